"""`authconform replay REPORT_DIR [URL]`: after a fix, re-run only what failed or warned.

The old report.json says which checks were flagged and how the run was made (its
``settings`` block: seed, examples, systems, credentials file, strictness); the replay
runs those checks the same way, against the same target unless a URL is given, and
says of each: FIXED (it holds now), STILL FAILING (the same fault: same outcome and
fingerprint) or CHANGED (anything else: another cause, another outcome).
"""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace
from typing import Any

from conformance.engine.settings import DEFAULTS, EMBEDDED_USERS, NO_CREDENTIALS_FILE, Settings
from conformance.errors import UsageError
from conformance.fixloop.baseline import FLAGGED, fingerprint, load_report

__all__ = ["configure", "judge", "run"]

FIXED, STILL, CHANGED = "FIXED", "STILL FAILING", "CHANGED"
_HOLDS = ("passed", "not_applicable")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Re-run only the checks that failed or warned in an earlier run (read from "
        "REPORT_DIR/report.json), with the same seed and settings, and say of each: FIXED, "
        "STILL FAILING or CHANGED. Exit 0 when every contract failure is fixed, 1 otherwise, "
        "2 on a usage or target error."
    )
    parser.add_argument("report_dir", metavar="REPORT_DIR", help="the earlier run's --report DIR")
    parser.add_argument(
        "url",
        nargs="?",
        metavar="URL",
        help="the server to check (default: the report's target; the embedded reference "
        "server if the report was of it)",
    )
    parser.add_argument(
        "--credentials",
        metavar="FILE",
        help="credentials file (default: the one the earlier run used)",
    )
    parser.add_argument("--report", metavar="DIR", help="write the replay's own reports into DIR")


def judge(old: dict[str, Any], new: dict[str, Any] | None) -> str:
    """FIXED, STILL FAILING or CHANGED for one flagged result of the old run."""
    if new is None:
        return CHANGED
    if new["outcome"] in _HOLDS:
        return FIXED
    if new["outcome"] == old["outcome"] and fingerprint(new) == fingerprint(old):
        return STILL
    return CHANGED


def _gating(result: dict[str, Any], strict: bool) -> bool:
    return result["outcome"] in (("failed", "error", "warned") if strict else ("failed", "error"))


def _settings(document: dict[str, Any], directory: str) -> dict[str, Any]:
    settings = document.get("settings")
    if not isinstance(settings, dict):
        raise UsageError(
            f"replay {directory}",
            "its report.json has no settings block (written by an older "
            "authconform); run the check again with this version",
        )
    return settings


def _args(url: str | None, credentials: str | None) -> SimpleNamespace:
    """What `check` would have parsed, for the target helpers it shares with replay."""
    return SimpleNamespace(url=url, credentials=credentials)


def run(args: argparse.Namespace) -> int:
    from conformance.cli.check import _progress, _target, seed_line
    from conformance.engine.runner import run_suite
    from conformance.engine.target import choose_profiles
    from conformance.output.report import report_json

    old = load_report(args.report_dir, "replay")
    settings = _settings(old, args.report_dir)
    flagged = [r for r in old["results"] if r["outcome"] in FLAGGED]
    if not flagged:
        print(f"nothing to replay: {args.report_dir} has no failure, error or advisory")
        return 0
    url = args.url or (None if settings.get("embedded") else old["target"])
    credentials = args.credentials or settings.get("credentials")
    only: dict[str, list[str]] = {}
    for result in flagged:
        only.setdefault(result["system"], []).append(result["name"])
    systems = [s for s in old["systems"] if s in only]
    run_settings = Settings(
        fuzz=settings.get("fuzz", DEFAULTS.fuzz),
        max_examples=settings.get("max_examples", DEFAULTS.max_examples),
        seed=settings.get("seed"),
        timeout=settings.get("timeout", DEFAULTS.timeout),
        # An old block without max_time replays without a budget, as it always did.
        max_time=settings.get("max_time"),
        max_response_bytes=settings.get("max_response_bytes", DEFAULTS.max_response_bytes),
        strict=settings.get("strict", DEFAULTS.strict),
        lifecycle=settings.get("lifecycle", DEFAULTS.lifecycle),
        jwks_url=settings.get("jwks_url"),
        expiry_wait=settings.get("expiry_wait", DEFAULTS.expiry_wait),
        probe_throttling=settings.get("probe_throttling", DEFAULTS.probe_throttling),
        credentials_file=(credentials or NO_CREDENTIALS_FILE) if url else EMBEDDED_USERS,
        only=only,
    ).identified()  # the report's seed; a new tag, as the old run's accounts exist
    _progress(f"replaying {len(flagged)} finding(s) of {args.report_dir}")
    _progress(seed_line(run_settings, "the report's" if settings.get("seed") is not None else None))
    with _target(_args(url, credentials)) as (target, creds):
        profiles = choose_profiles(systems, subject="--api")
        result = run_suite(target, profiles, creds, run_settings, _progress)
    document = report_json(result)
    now = {(r["system"], r["name"]): r for r in document["results"]}
    print("")
    print(f"Replay of {args.report_dir} against {target}:")
    open_failures = 0
    for before in flagged:
        after = now.get((before["system"], before["name"]))
        verdict = judge(before, after)
        if _gating(before, settings.get("strict", False)) and verdict != FIXED:
            open_failures += 1
        outcome = after["outcome"] if after else "did not run"
        print(
            f"  {verdict:13} {before['system']} {before['name']} [{before['level']}]  "
            f"was {before['outcome']}, now {outcome}"
        )
        if after and verdict != FIXED and after["message"]:
            print(f"                {after['message']}")
    if args.report:
        from conformance.output.report import write_reports

        paths = write_reports(result, args.report)
        print(f"reports: {', '.join(str(p) for p in paths)}")
    if result.incomplete:
        print(f"error: replay incomplete: {result.incomplete}", file=sys.stderr)
        return 2
    print(
        "every contract failure is fixed"
        if open_failures == 0
        else f"{open_failures} contract failure(s) not fixed"
    )
    return 0 if open_failures == 0 else 1
