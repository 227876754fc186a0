"""Account discovery, long passwords, answer headers and rotation races (issue 29, items 4
and 6), judged against the servers of ``tests/independent/`` and the reference.

Each fault is planted in an independent server (a flag) and the one check that names it
runs alone (``Settings.only``, as a replay does): a contract claim makes the run fail, an
advisory one warns and fails the run only under ``--strict``. The correct servers pass
every one of these checks. Assertions compare verdicts, never times: a planted 150 ms
sleep is a fault the timing check must see, not a threshold a test holds.
"""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest
from independent import duktig, fib, user_api

from conformance.engine.runner import run_suite
from conformance.engine.settings import Settings
from conformance.model import Outcome, RunResult
from conformance.profiles import get_profile
from reference_impl.auth.login_limits import FailedLogins, LoginLimits
from reference_impl.serving.embedded import running_server

SERVERS: dict[str, ModuleType] = {"fib": fib, "user-api": user_api, "duktig": duktig}
SEED = 7

NEW_CHECKS = {
    "fib": (
        "unknown_email_answered_like_wrong_password",
        "concurrent_refreshes_let_one_through",
        "logout_racing_refresh_ends_the_session",
    ),
    "user-api": (
        "token_answers_are_not_cached",
        "unauthorized_answers_name_a_challenge",
        "long_password_is_accepted",
        "long_password_is_not_truncated",
        "unknown_email_answered_like_wrong_password",
        "unknown_email_refused_in_alike_time",
        "failed_logins_are_throttled",
    ),
    "duktig": (
        "token_answers_are_not_cached",
        "unauthorized_answers_name_a_challenge",
        "unknown_email_answered_like_wrong_password",
        "unknown_email_refused_in_alike_time",
        "failed_logins_are_throttled",
    ),
}

# (system, flag) -> (the check that must break, its level), each planted in a server of
# another family than the real one it was seen on where the check allows it.
PLANTED = {
    ("duktig", "tells_unknown_email"): ("unknown_email_answered_like_wrong_password", "contract"),
    ("user-api", "tells_unknown_email"): ("unknown_email_answered_like_wrong_password", "advisory"),
    ("duktig", "slow_wrong_password"): ("unknown_email_refused_in_alike_time", "advisory"),
    ("duktig", "no_challenge_on_401"): ("unauthorized_answers_name_a_challenge", "advisory"),
    ("user-api", "token_answers_cacheable"): ("token_answers_are_not_cached", "advisory"),
    ("user-api", "refuses_long_passwords"): ("long_password_is_accepted", "advisory"),
    ("user-api", "truncates_passwords_at_72_bytes"): ("long_password_is_not_truncated", "advisory"),
    ("fib", "refresh_race"): ("concurrent_refreshes_let_one_through", "advisory"),
    ("fib", "logout_race"): ("logout_racing_refresh_ends_the_session", "advisory"),
}


def _run(
    url: str, system: str, credentials: dict[str, Any], names: tuple[str, ...], **settings: Any
) -> RunResult:
    chosen = Settings(fuzz=False, seed=SEED, fingerprint=False, only={system: names}, **settings)
    return run_suite(url, [get_profile(system)], {system: credentials}, chosen)


def _independent(
    system: str, names: tuple[str, ...], flags: tuple[str, ...] = (), **settings: Any
) -> RunResult:
    server = SERVERS[system]
    url, stop = server.serve(flags=flags)
    try:
        return _run(url, system, server.credentials(), names, **settings)
    finally:
        stop()


def _outcomes(run: RunResult) -> dict[str, str]:
    return {r.name: r.outcome.value for r in run.results}


def _explain(run: RunResult) -> str:
    return "\n".join(f"{r.outcome.value} {r.name}: {r.message}" for r in run.results)


@pytest.mark.parametrize("system", sorted(SERVERS))
def test_correct_independent_servers_pass_the_discovery_and_race_checks(system: str) -> None:
    run = _independent(system, NEW_CHECKS[system])
    outcomes = _outcomes(run)
    assert set(outcomes) == set(NEW_CHECKS[system]), _explain(run)
    assert set(outcomes.values()) <= {"passed", "skipped", "not_applicable"}, _explain(run)
    assert outcomes.get("failed_logins_are_throttled", "skipped") == "skipped"
    if system == "fib":
        assert outcomes["concurrent_refreshes_let_one_through"] == "passed", _explain(run)
        # This server's logout ends one pair, not the session: no race can be told apart.
        assert outcomes["logout_racing_refresh_ends_the_session"] == "not_applicable"
        assert outcomes["unknown_email_answered_like_wrong_password"] == "not_applicable"
    else:
        for name in ("unknown_email_answered_like_wrong_password", "token_answers_are_not_cached"):
            assert outcomes[name] == "passed", _explain(run)
    assert run.conformant and replace(run, strict=True).conformant


@pytest.mark.parametrize(("system", "flag"), list(PLANTED), ids=[f for _, f in PLANTED])
def test_planted_fault_breaks_its_check_at_its_level(system: str, flag: str) -> None:
    name, level = PLANTED[(system, flag)]
    run = _independent(system, (name,), (flag,))
    (result,) = [r for r in run.results if r.name == name]
    assert result.level.value == level
    if level == "contract":
        assert result.outcome is Outcome.FAILED, _explain(run)
        assert not run.conformant
    else:
        assert result.outcome is Outcome.WARNED, _explain(run)
        assert run.conformant and not replace(run, strict=True).conformant
    assert result.source, "every check cites what it enforces"
    assert result.observed, "the fault has an identity of its own"


def test_duktig_unknown_email_fault_is_one_fault_for_both_checks_that_see_it() -> None:
    """Seed 004's 401 check and the discovery check name one fault, counted once."""
    names = ("incorrect_credentials_get_401", "unknown_email_answered_like_wrong_password")
    run = _independent("duktig", names, ("tells_unknown_email",))
    failed = [r for r in run.results if r.outcome is Outcome.FAILED]
    assert {r.name for r in failed} == set(names), _explain(run)
    assert len({r.observed for r in failed}) == 1


def test_timing_fault_names_its_figures() -> None:
    run = _independent("duktig", ("unknown_email_refused_in_alike_time",), ("slow_wrong_password",))
    (result,) = run.results
    assert result.outcome is Outcome.WARNED, _explain(run)
    assert "median of 5 interleaved tries each" in result.details
    assert "a wrong password takes" in result.message


def test_throttling_probe_is_opt_in_and_bounded() -> None:
    """Off: skipped with the reason. On: a server that never throttles warns after N tries,
    one that answers 429 passes (it signs up an account of its own to guess at)."""
    names = ("failed_logins_are_throttled",)
    off = _independent("user-api", names, ("throttles_failed_logins",))
    assert off.results[0].outcome is Outcome.SKIPPED
    assert "--probe-throttling" in off.results[0].message
    never = _independent("user-api", names, probe_throttling=8)
    assert never.results[0].outcome is Outcome.WARNED, _explain(never)
    assert "8 wrong passwords in a row met no throttling" in never.results[0].message
    throttled = _independent("user-api", names, ("throttles_failed_logins",), probe_throttling=8)
    assert throttled.results[0].outcome is Outcome.PASSED, _explain(throttled)


def test_reference_throttles_duktig_guesses_past_its_limit() -> None:
    """The reference's own limiter (429 with Retry-After), lowered so a short probe meets it."""
    limits = FailedLogins(LoginLimits(per_account=3))
    with running_server(demo_users=1, login_limiter=limits) as server:
        names = ("failed_logins_are_throttled",)
        run = _run(server.url, "duktig", server.credentials["duktig"], names, probe_throttling=6)
    assert run.results[0].outcome is Outcome.PASSED, _explain(run)


def test_reference_passes_every_new_check(reference_server) -> None:
    for system, names in NEW_CHECKS.items():
        run = _run(reference_server.url, system, reference_server.credentials[system], names)
        outcomes = _outcomes(run)
        assert set(outcomes.values()) <= {"passed", "skipped", "not_applicable"}, _explain(run)
        if system == "fib":  # the reference's logout ends the session: the race is judged
            assert outcomes["logout_racing_refresh_ends_the_session"] == "passed"
            assert outcomes["concurrent_refreshes_let_one_through"] == "passed"
