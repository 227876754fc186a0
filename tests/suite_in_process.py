"""The suite's runner called in-process against a server, for tests that judge the checks.

In-process keeps these tests fast; the CLI path has its own subprocess tests.
"""

from __future__ import annotations

from typing import Any

from conformance.engine.runner import run_system
from conformance.engine.settings import Settings
from conformance.model import CheckResult, Outcome
from conformance.profiles import get_profile
from reference_impl.serving.embedded import running_server


def run_checks(system: str, url: str, credentials: dict[str, Any] | None) -> dict[str, CheckResult]:
    """Every check of ``system`` (no fuzzing) against ``url``, by check name."""
    results = run_system(get_profile(system), url, credentials, Settings(fuzz=False))
    return {result.name: result for result in results}


def run_checks_on_variant(system: str, **server_options: Any) -> dict[str, CheckResult]:
    """``run_checks`` against a fresh one-user server built from ``server_options``."""
    with running_server(demo_users=1, **server_options) as server:
        return run_checks(system, server.url, server.credentials)


# Checks that run only when an option asks for them (they may slow the target's accounts).
OPT_IN = {"failed_logins_are_throttled": "--probe-throttling"}


def passed_or_opt_in(result: CheckResult) -> bool:
    """Passed, or an opt-in check skipped because its option was not given."""
    if result.name in OPT_IN and result.outcome is Outcome.SKIPPED:
        return OPT_IN[result.name] in result.message
    return result.outcome is Outcome.PASSED


def describe(results: dict[str, CheckResult]) -> str:
    """The results that did not pass, with their evidence, for an assertion message."""
    return "\n".join(
        f"{r.outcome.value} {r.name}: {r.message}\n{r.details}"
        for r in results.values()
        if r.outcome is not Outcome.PASSED
    )
