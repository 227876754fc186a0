"""Revocations outlive the process: the reference server under Granian, restarted on its db.

A session is logged out and another refresh token used before the restart; after it,
both refresh tokens must still be refused. The variant in ``broken_fib_session`` keeps
revocations in process memory: right until the restart, wrong after it, and the same
verdict (``expect_refused``) that passes the reference server fails it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

from conformance.checks.fib.session_common import expect_refused, login_pair, logout, refresh
from conformance.checks.registry import checks_for
from conformance.engine.context import Context
from conformance.engine.runner import run_check
from conformance.engine.settings import Settings
from conformance.model import CheckFailure, Outcome
from conformance.profiles import get_profile, load_checks

TESTS = Path(__file__).resolve().parent
MEMORY_VARIANT = [sys.executable, str(TESTS / "broken_fib_session.py")]

pytestmark = pytest.mark.slow


def _context(url: str, client: httpx.Client, credentials: dict) -> Context:
    return Context(base_url=url, system="fib", client=client, spec={}, credentials=credentials)


def revoke_before_restart(url: str, credentials: dict) -> dict[str, str]:
    """Log one session out and use another's refresh token; both refusals checked at once."""
    with httpx.Client(timeout=10.0) as client:
        ctx = _context(url, client, credentials)
        access, logged_out = login_pair(ctx)
        assert logout(ctx, access).status_code == 200
        _, used = login_pair(ctx)
        assert refresh(ctx, used).status_code == 200
        hint = "revocations must work before any restart"
        expect_refused(ctx, refresh(ctx, logged_out), "refresh after logout", hint=hint)
        expect_refused(ctx, refresh(ctx, used), "a used refresh token", hint=hint)
    return {"logged_out": logged_out, "used": used}


def refuse_after_restart(url: str, credentials: dict, tokens: dict[str, str]) -> None:
    """The verdict after the restart: each token revoked before it is still refused."""
    hint = "keep revocations where a restart cannot lose them (the reference uses SQLite)"
    with httpx.Client(timeout=10.0) as client:
        ctx = _context(url, client, credentials)
        expect_refused(
            ctx,
            refresh(ctx, tokens["logged_out"]),
            "a refresh token of a session logged out before the restart",
            hint=hint,
        )
        expect_refused(
            ctx, refresh(ctx, tokens["used"]), "a refresh token used before the restart", hint=hint
        )


def _seeded(db: Path) -> tuple[list[str], dict]:
    """Serve flags that seed one demo user per system, and where their credentials go.

    The light password cost: only FIB sessions are used here, which log in with a key,
    so the cost of the other systems' seeded password hashes is only start-up time.
    """
    creds = db.parent / "credentials.json"
    seeding = ["--demo-users", "1", "--credentials-out", str(creds), "--password-cost", "light"]
    return seeding, creds


def test_reference_revocations_survive_a_restart(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "reference.db"
    seed_args, creds_file = _seeded(db)
    with serving(free_port(), db, *seed_args, "--workers", "2") as url:
        credentials = json.loads(creds_file.read_text())["fib"]
        tokens = revoke_before_restart(url, credentials)
    with serving(free_port(), db, "--workers", "2") as url:
        refuse_after_restart(url, credentials, tokens)


def test_memory_revocations_fail_after_a_restart(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "memory.db"
    seed_args, creds_file = _seeded(db)
    # One worker: with two, in-memory revocations would be wrong even before the restart.
    with serving(free_port(), db, *seed_args, "--workers", "1", command=MEMORY_VARIANT) as url:
        credentials = json.loads(creds_file.read_text())["fib"]
        tokens = revoke_before_restart(url, credentials)
    with (
        serving(free_port(), db, "--workers", "1", command=MEMORY_VARIANT) as url,
        pytest.raises(CheckFailure) as failure,
    ):
        refuse_after_restart(url, credentials, tokens)
    assert failure.value.title == (
        "a refresh token of a session logged out before the restart was accepted"
    )
    assert failure.value.exchange is not None and failure.value.exchange.status == 200


def test_lifecycle_checks_pass_across_granian_workers(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    """Every request on a new connection, so tokens issued by one worker meet the other."""
    db = tmp_path / "workers.db"
    seed_args, creds_file = _seeded(db)
    profile = get_profile("fib")
    load_checks(profile)
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with (
        serving(free_port(), db, *seed_args, "--workers", "2") as url,
        httpx.Client(timeout=10.0, limits=no_keepalive) as client,
    ):
        ctx = _context(url, client, json.loads(creds_file.read_text())["fib"])
        ctx.settings = Settings(lifecycle=True)
        results = [run_check(c, ctx) for c in checks_for("fib") if c.group == "lifecycle"]
    not_passed = {
        r.name: f"{r.message}\n{r.details}"
        for r in results
        if r.outcome is not Outcome.PASSED and r.name != "expired_access_token_is_rejected"
    }
    assert len(results) >= 14
    assert not_passed == {}
