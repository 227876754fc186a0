"""The Schemathesis stage of a run, held to the run's budget: a stage the budget cut short
stops the run (incomplete), a stage that broke is the suite's error, not the target's."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from conformance.engine.bounded import RunBudget
from conformance.errors import AuthconformError, RunStopped, UsageError
from conformance.fuzz.report import run_result
from conformance.model import CheckResult, Outcome, Stopped
from conformance.profiles import Profile

__all__ = ["fuzz_stage"]


def fuzz_stage(
    profile: Profile,
    base_url: str,
    credentials: dict[str, Any] | None,
    budget: RunBudget,
    *,
    max_examples: int,
    seed: int | None,
    command: str | None,
    max_response_bytes: int,
    progress: Callable[[str], None] | None = None,
) -> list[CheckResult]:
    """The results of one system's Schemathesis run, within what is left of the budget.

    Raises RunStopped (with what finished) when the budget, not the stage's own time
    limit, cut the run short; Schemathesis breaking becomes one ERROR result.
    """
    try:
        from conformance.fuzz.run import DEFAULT_RUN_TIMEOUT, run_schemathesis
    except ModuleNotFoundError as exc:
        if exc.name not in ("conformance.fuzz.run", "schemathesis"):
            raise
        raise UsageError(
            "schemathesis stage", f"{exc.name} is not available; run with --no-fuzz"
        ) from exc
    started = time.perf_counter()
    budget.stop_if_spent()
    run_timeout = min(DEFAULT_RUN_TIMEOUT, budget.remaining())
    try:
        results = run_schemathesis(
            profile,
            base_url,
            max_examples=max_examples,
            seed=seed,
            progress=progress,
            credentials=credentials,
            run_timeout=run_timeout,
            reproduce=command,
            max_response_bytes=max_response_bytes,
        )
        killed = [r for r in results if r.stopped is Stopped.TIMED_OUT]
        if killed and run_timeout < DEFAULT_RUN_TIMEOUT:
            # Killed for the run's budget, not stuck on its own: the run is incomplete.
            why = f"the run's budget of {budget.seconds:g} s ran out during Schemathesis"
            done = [r for r in results if r not in killed]
            done.append(
                run_result(
                    profile.name,
                    Outcome.SKIPPED,
                    message=f"did not run to the end: {why}",
                    details=killed[0].details,
                    duration=time.perf_counter() - started,
                    stopped=Stopped.NOT_RUN,
                )
            )
            raise RunStopped("--max-time", why).with_results(done)
        return results
    except AuthconformError:
        raise
    except Exception as exc:  # Schemathesis breaking is the suite's problem, not the target's
        return [
            run_result(
                profile.name,
                Outcome.ERROR,
                message=f"{type(exc).__name__}: {exc}",
                details=traceback.format_exc(),
                duration=time.perf_counter() - started,
            )
        ]
