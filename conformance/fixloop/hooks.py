"""What `authconform check` adds for the fix loop: options, the settings block a replay
reads back, coverage, the comparison with a baseline, and the exit status they decide.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from conformance.errors import UsageError
from conformance.fixloop.baseline import baseline_lines, compare, load_report, new_bad
from conformance.fixloop.coverage import Observed, coverage_document, coverage_lines

if TYPE_CHECKING:
    from conformance.engine.settings import Settings

__all__ = ["after_run", "configure", "exit_status", "settings_block", "validate"]

FAIL_ON = ("any", "new")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="an earlier run's report directory: mark every finding new, unchanged or fixed "
        "against it (matched by system, check and cause, not by message text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="any",
        help="any (default): every contract failure fails the run; new: only those that are "
        "new against --baseline (adopt the suite on a server with known faults)",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        metavar="PERCENT",
        help="fail the run (exit 1) when fewer than PERCENT of the documented status codes "
        "of the checked operations were seen",
    )


def validate(args: argparse.Namespace) -> dict[str, Any] | None:
    """Check the options before anything runs; the baseline document, if one was given."""
    if args.fail_on == "new" and not args.baseline:
        raise UsageError("--fail-on new", "needs --baseline DIR (new against what?)")
    if args.min_coverage is not None and not 0 <= args.min_coverage <= 100:
        raise UsageError("--min-coverage", "must be a percentage from 0 to 100")
    return load_report(args.baseline, "--baseline") if args.baseline else None


def settings_block(settings: Settings, api: str, args: argparse.Namespace) -> dict[str, Any]:
    """What a replay needs to run the same checks the same way (report.json ``settings``).

    Read from the run's own settings; only where the checked users came from is the
    command line's alone.
    """
    return {
        "api": api,
        "seed": settings.seed,
        "run_tag": settings.run_tag,  # in this run's invented emails; a replay takes a new one
        "max_examples": settings.max_examples,
        "strict": settings.strict,
        "fuzz": settings.fuzz,
        "lifecycle": settings.lifecycle,
        "jwks_url": settings.jwks_url,
        "expiry_wait": settings.expiry_wait,
        "probe_throttling": settings.probe_throttling,
        "timeout": settings.timeout,
        "max_time": settings.max_time,
        "max_response_bytes": settings.max_response_bytes,
        "credentials": os.path.abspath(args.credentials) if args.credentials else None,
        "embedded": not args.url,
    }


def after_run(
    run: Any,
    args: argparse.Namespace,
    settings: dict[str, Any],
    seen: Observed,
    baseline: dict[str, Any] | None,
) -> list[str]:
    """Fill ``run.extra`` (settings, coverage, baseline); the lines to print after the summary."""
    from conformance.output.report import report_json

    run.extra["settings"] = settings
    run.extra["coverage"] = coverage_document(list(run.systems), seen)
    lines = ["", *coverage_lines(run.extra["coverage"])]
    if baseline is not None:
        run.extra["baseline"] = compare(report_json(run), baseline, args.baseline)
        lines += ["", *baseline_lines(run.extra["baseline"])]
    return lines


def exit_status(run: Any, args: argparse.Namespace) -> tuple[int, list[str]]:
    """0 or 1 as the fix-loop options decide (incomplete runs are the caller's), with why."""
    why: list[str] = []
    if args.fail_on == "new":
        new = new_bad(run.extra["baseline"], run.strict)
        status = 1 if new else 0
        why.append(
            f"--fail-on new: {len(new)} new finding(s) fail the run"
            if new
            else "--fail-on new: no new contract failure against the baseline"
        )
    else:
        status = 0 if run.conformant else 1
    coverage = run.extra["coverage"]
    if args.min_coverage is not None and coverage["percent"] < args.min_coverage:
        status = 1
        why.append(
            f"--min-coverage {args.min_coverage:g}: only {coverage['percent']:g}% of the "
            "documented status codes were seen"
        )
    return status, why
