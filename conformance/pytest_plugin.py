"""pytest plugin ``authconform``: every conformance check as its own test item.

``pytest --authconform-url URL [--authconform-api fib] [--authconform-credentials FILE]``
adds one item per check, named ``authconform::<system>::<check>``. The suite runs once,
when the first of them runs; then each item passes, fails with the check's evidence,
or is skipped with the reason (skipped and not-applicable checks). A broken advisory
passes with an :class:`AuthconformAdvisory` warning; with ``--authconform-strict`` it fails.

Without ``--authconform-url`` the plugin adds nothing and imports nothing beyond pytest,
so it costs an installed project's own test runs nothing.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.engine.catalog import CheckInfo
    from conformance.model import CheckResult, RunResult

__all__ = ["AuthconformAdvisory", "ConformanceCheck", "ConformanceSuite", "ConformanceSystem"]

ROOT_NAME = "authconform"


class AuthconformAdvisory(UserWarning):
    """An advisory check is broken: HTTP practice or the project's own choice, not the documents."""


class CheckFailed(Exception):
    """The check's verdict is a failure (or a suite error); the text is the evidence."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("authconform", "conformance checks of a login/session API")
    group.addoption(
        "--authconform-url",
        metavar="URL",
        help="check the server at URL: one test item per conformance check",
    )
    group.addoption(
        "--authconform-api",
        metavar="SYSTEM",
        default="all",
        help="fib, user-api, duktig, a comma-separated list, or all (default: all)",
    )
    group.addoption(
        "--authconform-credentials",
        metavar="FILE",
        help="credentials file (see `authconform serve --credentials-out`); without it, "
        "checks that must log in are skipped",
    )
    # The run settings' options, declared once with the CLI's (light: no HTTP stack).
    from conformance.engine.run_options import add_run_options

    add_run_options(group.addoption, prefix="--authconform-")


def _api(value: str) -> list[str]:
    """The systems ``--authconform-api`` names, read as the CLI reads ``--api``."""
    from conformance.engine.target import choose_profiles

    return [profile.name for profile in choose_profiles(value, subject="--authconform-api")]


class _Suite:
    """Runs the checks once for the whole session, when the first item asks for a result."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run: RunResult | None = None
        self.error: str | None = None
        self.collected: dict[str, set[str]] = {}  # system -> names of its items

    def option(self, name: str) -> Any:
        return self.config.getoption(f"authconform_{name}")

    def result(self) -> RunResult:
        if self.run is None and self.error is None:
            from conformance.engine.run_options import run_settings_fields
            from conformance.engine.settings import Settings
            from conformance.engine.target import check_target
            from conformance.errors import AuthconformError

            try:
                settings = Settings(**run_settings_fields(self.option))
                self.run = check_target(
                    self.option("url"),
                    settings,
                    api=_api(self.option("api")),
                    credentials=self.option("credentials"),
                )
            except AuthconformError as exc:
                from conformance.textsafe import one_line

                self.error = f"error: {one_line(str(exc))}"
        if self.error is not None:
            raise CheckFailed(self.error)
        assert self.run is not None
        return self.run


class ConformanceCheck(pytest.Item):
    """One conformance check; its verdict comes from the session's single run."""

    def __init__(self, *, info: CheckInfo, suite: _Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.info = info
        self.suite = suite
        self.user_properties.append(("level", info.level.value))

    def runtest(self) -> None:
        from conformance.model import Outcome

        run = self.suite.result()
        result = _verdict(run, self.info, self.suite.collected.get(self.info.system, set()))
        if result is None:
            pytest.skip("no result: the check did not report in this run")
        self.user_properties.append(("outcome", result.outcome.value))
        if result.outcome is Outcome.PASSED:
            return
        if result.outcome in (Outcome.SKIPPED, Outcome.NOT_APPLICABLE, Outcome.BLOCKED):
            prefix = "not applicable: " if result.outcome is Outcome.NOT_APPLICABLE else ""
            skipped = pytest.skip.Exception(f"{prefix}{result.message}")
            skipped._use_item_location = True  # report the check, not this line
            raise skipped
        if result.outcome is Outcome.WARNED and not run.strict:
            warnings.warn(AuthconformAdvisory(_evidence(result)), stacklevel=1)
            return
        raise CheckFailed(_evidence(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"{ROOT_NAME}::{self.info.system}::{self.info.name}"


def _evidence(result: CheckResult) -> str:
    """What the CLI's summary shows for a flagged check: claim, message, details."""
    label = {"failed": "FAIL", "warned": "ADVISORY", "error": "SUITE ERROR"}.get(
        result.outcome.value, result.outcome.value.upper()
    )
    lines = [
        f"{label} {result.system} {result.name} [{result.level.value}]",
        f"claim: {result.summary}",
        result.message,
        *result.details.splitlines(),
    ]
    return "\n".join(line for line in lines if line is not None)


def _verdict(run: RunResult, info: CheckInfo, collected: set[str]) -> CheckResult | None:
    """The result for ``info``; results no item was collected for fold into schemathesis.run."""
    from dataclasses import replace

    from conformance.engine.catalog import SCHEMATHESIS_RUN
    from conformance.model import Outcome

    mine = [r for r in run.results if r.system == info.system and r.name == info.name]
    if info.name == SCHEMATHESIS_RUN:
        mine += [r for r in run.results if r.system == info.system and r.name not in collected]
    if not mine:
        return None
    if len(mine) == 1:
        return mine[0]
    order = [Outcome.ERROR, Outcome.FAILED, Outcome.WARNED, Outcome.PASSED]
    worst = min(mine, key=lambda r: order.index(r.outcome) if r.outcome in order else len(order))
    notes = [f"{r.name}: {r.outcome.value} {r.message}".rstrip() for r in mine if r is not worst]
    return replace(worst, details="\n".join([worst.details, "also reported:", *notes]).strip())


class ConformanceSystem(pytest.Collector):
    def __init__(self, *, infos: list[CheckInfo], suite: _Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.infos = infos
        self.suite = suite

    def collect(self) -> list[pytest.Item]:
        return [
            ConformanceCheck.from_parent(self, name=info.name, info=info, suite=self.suite)
            for info in self.infos
        ]


class ConformanceSuite(pytest.Collector):
    def __init__(self, *, suite: _Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:
        from conformance.errors import AuthconformError

        if isinstance(excinfo.value, AuthconformError):
            return f"error: {excinfo.value}"
        return super().repr_failure(excinfo)

    def collect(self) -> list[pytest.Collector]:
        from conformance.engine.catalog import list_checks

        infos = list_checks(_api(self.suite.option("api")), fuzz=not self.suite.option("no_fuzz"))
        by_system: dict[str, list[CheckInfo]] = {}
        for info in infos:
            by_system.setdefault(info.system, []).append(info)
        self.suite.collected = {s: {i.name for i in checks} for s, checks in by_system.items()}
        return [
            ConformanceSystem.from_parent(self, name=system, infos=checks, suite=self.suite)
            for system, checks in by_system.items()
        ]


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect the items
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("authconform_url"):
        return
    suite = _Suite(config)
    # A path under the root dir, as if the checks were a file there: report lines then read
    # `authconform::fib::<check>` wherever pytest was started.
    root = ConformanceSuite.from_parent(
        session, name=ROOT_NAME, nodeid=ROOT_NAME, path=config.rootpath / ROOT_NAME, suite=suite
    )
    # genitems reports the collection, so counts, --co and -k see these items.
    items.extend(session.genitems(root))
