"""Run a profile's protocol checks, then Schemathesis, against one target.

Each check runs once with its own timing; its outcome is decided here and only here:
CheckFailure -> failed (contract) or warned (advisory, by the level the check was
registered with), CheckNotApplicable -> not applicable, CheckSkipped -> skipped,
anything else -> error (a bug in the suite, shown with its traceback so it can be
fixed, never blamed on the target). A check that passed having seen only redirects or
HTML pages is not applicable: it had nothing to judge.

Bounds: every request goes through :class:`~conformance.engine.bounded.BoundedClient`; the
run has a wall-clock budget, and when it is spent (or the target stops answering) the
run stops with what it has, every check that did not run listed as such, and
``RunResult.incomplete`` saying why. Every result text is masked of the run's secrets
(credentials, and every token or signature seen on the wire) and made safe to print.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable
from typing import Any

from conformance.checks.registry import Check, checks_for
from conformance.engine.bounded import BoundedClient, RunBudget
from conformance.engine.context import Context, nothing_to_judge
from conformance.engine.evidence import render_exchange
from conformance.engine.faults import restated_as_blocked, server_error_results
from conformance.engine.fuzz_stage import fuzz_stage
from conformance.engine.gate import make_safe
from conformance.engine.masking import Masker, secret_values
from conformance.engine.settings import Settings
from conformance.errors import RunStopped, UsageError
from conformance.fixloop.reproduce import failing_request, reproducer, run_reproducer_line
from conformance.fixloop.selection import fuzz_selected, selected
from conformance.fuzz.report import run_result
from conformance.model import (
    CheckBlocked,
    CheckFailure,
    CheckNotApplicable,
    CheckResult,
    CheckSkipped,
    Outcome,
    Progress,
    RunResult,
    Stopped,
    outcome_for,
)
from conformance.observed import server_error
from conformance.profiles import Profile, load_checks
from conformance.textsafe import visible

__all__ = [
    "run_check",
    "run_suite",
    "run_system",
]


def _failure_details(failure: CheckFailure, *, masked: bool = True) -> str:
    lines = []
    if failure.received is not None:
        lines.append(f"received:   {failure.received}")
    if failure.documented is not None:
        lines.append(f"documented: {failure.documented}")
    if failure.hint:
        lines.append(f"hint:       {failure.hint}")
    if failure.exchange is not None:
        lines.append("evidence:")
        evidence = render_exchange(failure.exchange, masked=masked)
        lines.extend(f"  {line}" for line in evidence.splitlines())
    return "\n".join(lines)


def run_check(chk: Check, ctx: Context) -> CheckResult:
    """Run one check and turn whatever happens into a CheckResult (RunStopped goes through)."""
    ctx.last = None
    ctx.answers = []
    ctx.check_name = chk.name
    started = time.perf_counter()
    message, details, cause, observed = "", "", "", ""
    reproduce, request = "", None
    try:
        chk.func(ctx)
        outcome = Outcome.PASSED
        why_not = nothing_to_judge(ctx.answers)
        if why_not:
            outcome, message = Outcome.NOT_APPLICABLE, why_not
    except RunStopped:
        raise
    except CheckFailure as failure:
        outcome, message = outcome_for(chk.level), failure.title
        details = _failure_details(failure, masked=not ctx.show_secrets)
        observed = failure.observed or ""
        if failure.exchange is not None and (failure.exchange.status or 0) >= 500:
            cause = failure.exchange.key()  # the same fault as the 5xx it shows
            observed = server_error(cause)
        # fix loop: the curl lines that show it, and the request for its fingerprint.
        reproduce = reproducer(failure.exchange, ctx.history, ctx.system, ctx.credentials)
        request = failing_request(failure.exchange)
    except CheckBlocked as blocked:
        outcome, cause, observed = Outcome.BLOCKED, blocked.cause, blocked.observed
        message = f"blocked by {blocked.cause}: {blocked.reason}"
    except CheckNotApplicable as not_applicable:
        outcome, message = Outcome.NOT_APPLICABLE, not_applicable.reason
    except CheckSkipped as skipped:
        outcome, message = Outcome.SKIPPED, skipped.reason
    except Exception as exc:  # a broken check must not stop the run
        outcome, message = Outcome.ERROR, f"{type(exc).__name__}: {exc}"
        details = traceback.format_exc()
    return CheckResult(
        system=chk.system,
        name=chk.name,
        group=chk.group,
        summary=chk.summary,
        outcome=outcome,
        message=message,
        details=details,
        duration=time.perf_counter() - started,
        level=chk.level,
        source=chk.source,
        cause=cause,
        observed=observed,
        reproduce=reproduce,
        request=request,
    )


def _load_spec(profile: Profile) -> dict[str, Any]:
    from conformance.openapi.files import load_spec

    return load_spec(profile.name)


def _spec_missing(profile: Profile, why: str, progress: Progress | None) -> CheckResult:
    result = CheckResult(
        system=profile.name,
        name="spec_file_is_available",
        group="setup",
        summary=f"spec/{profile.spec_file} is installed and readable",
        outcome=Outcome.ERROR,
        message=why,
        details="protocol checks ran without the spec's schemas; Schemathesis did not run",
    )
    if progress:
        progress(result)
    return result


def run_system(
    profile: Profile,
    base_url: str,
    credentials: dict[str, Any] | None,
    settings: Settings,
    progress: Progress | None = None,
    *,
    budget: RunBudget | None = None,
    masker: Masker | None = None,
) -> list[CheckResult]:
    """The protocol checks of one system, then (unless turned off) its Schemathesis run.

    Raises RunStopped (its ``results`` holding what ran) when the budget is spent or the
    target stops answering.
    """
    budget = budget or RunBudget(settings.max_time)
    masker = masker or Masker(secret_values(credentials), show=settings.show_secrets)
    load_checks(profile)
    section = (credentials or {}).get(profile.credentials_key)
    results: list[CheckResult] = []

    def record(result: CheckResult) -> None:
        # fix loop: a Schemathesis failure is shown by its run, repeated with the same seed.
        if result.group == "schemathesis" and result.outcome in (Outcome.FAILED, Outcome.WARNED):
            result.reproduce = run_reproducer_line(settings.command, profile.name, settings.seed)
        make_safe(result, masker)
        results.append(result)
        if progress:
            progress(result)

    try:
        spec = _load_spec(profile)
    except UsageError as exc:
        # A missing spec is the installation's fault: say so once, still run what can run.
        spec = {}
        results.append(_spec_missing(profile, str(exc), progress))
    try:
        with _client(settings, budget) as client:
            ctx = Context(
                base_url=base_url.rstrip("/"),
                system=profile.name,
                client=client,
                spec=spec,
                credentials=section,
                settings=settings,
                learn=masker.learn,
                invented=masker.invent,
            )
            for chk in checks_for(profile.name):
                if not selected(settings.only, profile.name, chk.name):  # fix loop: replay
                    continue
                budget.stop_if_spent()
                result = run_check(chk, ctx)
                ctx.verdicts[chk.name] = result.outcome.value
                record(result)
            for result in server_error_results(ctx):
                record(result)
        if settings.fuzz and spec and fuzz_selected(settings.only, profile.name):
            for result in fuzz_stage(
                profile,
                base_url,
                section,
                budget,
                max_examples=settings.max_examples,
                seed=settings.seed,
                command=settings.command,
                max_response_bytes=settings.max_response_bytes,
                progress=progress,
            ):
                record(restated_as_blocked(result, results))
    except RunStopped as stop:
        for result in stop.results:
            record(result)
        raise stop.with_results(results) from None
    return results


def _client(settings: Settings, budget: RunBudget) -> BoundedClient:
    return BoundedClient(
        timeout=settings.timeout, max_bytes=settings.max_response_bytes, budget=budget
    )


def _not_run(
    profiles: list[Profile], done: list[CheckResult], fuzz: bool, why: str
) -> list[CheckResult]:
    """A skipped result for every check of ``profiles`` that has no result in ``done``."""
    seen = {(r.system, r.name) for r in done}
    fuzzed = {r.system for r in done if r.group == "schemathesis"}
    missing = []
    for profile in profiles:
        load_checks(profile)
        for chk in checks_for(profile.name):
            if (chk.system, chk.name) not in seen:
                missing.append(
                    CheckResult(
                        system=chk.system,
                        name=chk.name,
                        group=chk.group,
                        summary=chk.summary,
                        outcome=Outcome.SKIPPED,
                        message=f"did not run: {why}",
                        duration=None,
                        level=chk.level,
                        source=chk.source,
                        stopped=Stopped.NOT_RUN,
                    )
                )
        if fuzz and profile.name not in fuzzed:
            missing.append(
                run_result(
                    profile.name,
                    Outcome.SKIPPED,
                    message=f"did not run: {why}",
                    stopped=Stopped.NOT_RUN,
                )
            )
    return missing


def run_suite(
    base_url: str,
    profiles: Iterable[Profile],
    credentials: dict[str, Any] | None,
    settings: Settings,
    progress: Progress | None = None,
) -> RunResult:
    """Check every given system on one target, in order, within the run's budget.

    Raises TargetError before any check when the target does not look like a chosen
    system's API; a run stopped early comes back with ``incomplete`` set.
    """
    profiles = list(profiles)
    settings = settings.identified()  # one seed and tag for every system of the run
    budget = RunBudget(settings.max_time)
    masker = Masker(secret_values(credentials), show=settings.show_secrets)
    results: list[CheckResult] = []
    incomplete = None
    try:
        if settings.fingerprint:
            _fingerprint(base_url, profiles, settings, budget, progress)
        for profile in profiles:
            if progress:
                progress(f"{profile.name}: {profile.title}")
            results.extend(
                run_system(
                    profile, base_url, credentials, settings, progress, budget=budget, masker=masker
                )
            )
    except RunStopped as stop:
        results.extend(stop.results)
        incomplete = str(stop)
        missing = _not_run(profiles, results, settings.fuzz, incomplete)
        if progress and missing:
            progress(f"stopped: {incomplete}; {len(missing)} checks did not run")
        results.extend(missing)
        incomplete = visible(masker(incomplete))
    for result in results:  # idempotent: also covers results made outside run_system
        make_safe(result, masker)
    return RunResult(
        target=base_url,
        systems=[p.name for p in profiles],
        results=results,
        strict=settings.strict,
        incomplete=incomplete,
        seed=settings.seed,
        run_tag=settings.run_tag,
    )


def _fingerprint(
    base_url: str,
    profiles: list[Profile],
    settings: Settings,
    budget: RunBudget,
    progress: Progress | None,
) -> None:
    from conformance.engine.fingerprint import looks_like
    from conformance.engine.invent import seeded_random

    with _client(settings, budget) as client:
        for profile in profiles:
            try:
                spec = _load_spec(profile)
            except UsageError:
                continue  # reported by run_system; nothing documented to compare with
            rng = seeded_random(settings.seed or 0, profile.name, "fingerprint")
            seen = looks_like(client, base_url, profile, spec, rng)
            if progress:
                progress(f"{profile.name}: the target looks like this API ({visible(seen)})")
