"""Revocations outlive the process: the reference server under gunicorn, restarted on its db.

A session is logged out and another refresh token used before the restart; after it,
both refresh tokens must still be refused. The variant in ``broken_fib_session`` keeps
revocations in process memory: right until the restart, wrong after it, and the same
verdict (``expect_refused``) that passes the reference server fails it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conformance.checks.fib_session import expect_refused, login_pair, logout, refresh
from conformance.context import Context
from conformance.profiles import get_profile, load_checks
from conformance.registry import CheckFailure, Outcome, checks_for
from conformance.runner import run_check

TESTS = Path(__file__).resolve().parent
REFERENCE = [sys.executable, "-m", "reference_impl"]
MEMORY_VARIANT = [sys.executable, str(TESTS / "broken_fib_session.py")]
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0

pytestmark = pytest.mark.slow


@contextmanager
def gunicorn(command: list[str], db: Path, port: int, *args: str) -> Iterator[str]:
    """Serve ``command --db db --port port args`` in a subprocess; yields its URL, then stops."""
    log = db.with_suffix(f".{port}.log")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--db", str(db), "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=db.parent,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, log)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def _wait_ready(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/.well-known/jwks.json", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not ready within {START_TIMEOUT} s:\n{log.read_text()}")


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
    creds = db.parent / "credentials.json"
    return ["--demo-users", "1", "--credentials-out", str(creds)], creds


def test_reference_revocations_survive_a_restart(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "reference.db"
    seed_args, creds_file = _seeded(db)
    with gunicorn(REFERENCE, db, free_port(), *seed_args, "--workers", "2") as url:
        credentials = json.loads(creds_file.read_text())["fib"]
        tokens = revoke_before_restart(url, credentials)
    with gunicorn(REFERENCE, db, free_port(), "--workers", "2") as url:
        refuse_after_restart(url, credentials, tokens)


def test_memory_revocations_fail_after_a_restart(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "memory.db"
    seed_args, creds_file = _seeded(db)
    # One worker: with two, in-memory revocations would be wrong even before the restart.
    with gunicorn(MEMORY_VARIANT, db, free_port(), *seed_args, "--workers", "1") as url:
        credentials = json.loads(creds_file.read_text())["fib"]
        tokens = revoke_before_restart(url, credentials)
    with (
        gunicorn(MEMORY_VARIANT, db, free_port(), "--workers", "1") as url,
        pytest.raises(CheckFailure) as failure,
    ):
        refuse_after_restart(url, credentials, tokens)
    assert failure.value.title == (
        "a refresh token of a session logged out before the restart was accepted"
    )
    assert failure.value.exchange is not None and failure.value.exchange.status == 200


def test_lifecycle_checks_pass_across_gunicorn_workers(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    """Every request on a new connection, so tokens issued by one worker meet the other."""
    db = tmp_path / "workers.db"
    seed_args, creds_file = _seeded(db)
    profile = get_profile("fib")
    load_checks(profile)
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with (
        gunicorn(REFERENCE, db, free_port(), *seed_args, "--workers", "2") as url,
        httpx.Client(timeout=10.0, limits=no_keepalive) as client,
    ):
        ctx = _context(url, client, json.loads(creds_file.read_text())["fib"])
        ctx.options["lifecycle"] = True
        results = [run_check(c, ctx) for c in checks_for("fib") if c.group == "lifecycle"]
    not_passed = {
        r.name: f"{r.message}\n{r.details}"
        for r in results
        if r.outcome is not Outcome.PASSED and r.name != "expired_access_token_is_rejected"
    }
    assert len(results) >= 14
    assert not_passed == {}
