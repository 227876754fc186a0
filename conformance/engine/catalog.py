"""The checks a run reports on, known before it runs: what the pytest plugin collects and
``authconform``'s Python API lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance.engine.target import choose_profiles
from conformance.model import Level
from conformance.profiles import Profile, discover_profiles

__all__ = ["SCHEMATHESIS_RUN", "CheckInfo", "list_checks", "systems"]

# Results of a Schemathesis stage that are not one of its checks: the run as a whole.
SCHEMATHESIS_RUN = "schemathesis.run"


@dataclass(frozen=True)
class CheckInfo:
    """One check a run will report, known before it runs (what the pytest plugin collects)."""

    system: str
    name: str
    group: str
    level: Level
    summary: str
    source: str = ""  # what the claim enforces (conformance.sources); "" for the run itself


def systems() -> list[str]:
    """The systems a run can check, e.g. ``["duktig", "fib", "user-api"]``."""
    return sorted(discover_profiles())


def list_checks(api: str | Iterable[str] = "all", *, fuzz: bool = True) -> list[CheckInfo]:
    """Every check a run of ``api`` reports on, in run order, without touching a server.

    With ``fuzz`` the Schemathesis stage's checks follow each system's protocol checks,
    named ``schemathesis.<check>``, then ``schemathesis.run`` (the stage as a whole).
    """
    from conformance.checks.registry import checks_for
    from conformance.profiles import load_checks

    found = []
    for profile in choose_profiles(api):
        load_checks(profile)
        found += [
            CheckInfo(chk.system, chk.name, chk.group, chk.level, chk.summary, chk.source)
            for chk in checks_for(profile.name)
        ]
        if fuzz:
            found += _schemathesis_checks(profile)
    return found


def _schemathesis_checks(profile: Profile) -> list[CheckInfo]:
    from conformance.fuzz.config import ALL_CHECKS, build_plan
    from conformance.fuzz.report import CHECK_SUMMARIES, GROUP, RUN_SUMMARY

    plan = build_plan(profile.schemathesis or {}, max_examples=1, seed=None)
    infos = [
        CheckInfo(
            profile.name,
            f"schemathesis.{name}",
            GROUP,
            Level(plan.levels.get(name, "contract")),
            CHECK_SUMMARIES.get(name, f"Schemathesis check {name} holds."),
            plan.sources.get(name, ""),
        )
        for name in ALL_CHECKS
    ]
    infos.append(CheckInfo(profile.name, SCHEMATHESIS_RUN, GROUP, Level.CONTRACT, RUN_SUMMARY))
    return infos
