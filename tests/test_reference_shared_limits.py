"""Failed-login limits shared through one SQLite file: what the workers of a server all see.

Each ``FailedLogins`` here has its own ``Store`` on the same file, so its own connections,
as a worker of ``serve --workers N`` has; threads make the bursts. The clock is held
still and moved by hand, so no assertion depends on how fast the machine is.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reference_impl.auth.login_limits import TRY_LEASE, FailedLogins, LoginLimits
from reference_impl.http.errors import TooManyRequests
from reference_impl.store import Store

EMAIL = "victim@example.com"
ADDRESS = "10.0.0.1"
BURST = 30
DEADLINE = 30.0  # seconds any one wait in these tests may last


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def workers(db: Path, limits: LoginLimits, clock: Clock, n: int = 4) -> list[FailedLogins]:
    """``n`` limiters on one database file, each with its own connections, like workers."""
    return [FailedLogins(limits, store=Store(db), clock=clock) for _ in range(n)]


def retry_after(limiter: FailedLogins, email: str = EMAIL) -> int:
    """The Retry-After a try would get now (0: it would be judged); the probe is not counted."""
    try:
        limiter.release(limiter.reserve("user_api", email, ADDRESS))
    except TooManyRequests as refused:
        return int(dict(refused.headers)["Retry-After"])
    return 0


def fail_once(limiter: FailedLogins, email: str = EMAIL) -> None:
    with limiter.attempt("user_api", email, ADDRESS) as attempt:
        attempt.failed()


def burst(limiters: list[FailedLogins], *, outcome: Callable[..., None]) -> list[int | None]:
    """``BURST`` concurrent tries spread over ``limiters``, every reservation held until
    all of them have asked; returns each try's Retry-After, None for a try judged."""
    asked = threading.Barrier(BURST, timeout=DEADLINE)

    def one(i: int) -> int | None:
        limiter = limiters[i % len(limiters)]
        try:
            attempt = limiter.reserve("user_api", EMAIL, ADDRESS)
        except TooManyRequests as refused:
            asked.wait()
            return int(dict(refused.headers)["Retry-After"])
        asked.wait()  # hold the reservation until every try has been reserved or refused
        outcome(attempt)
        limiter.release(attempt)
        return None

    with ThreadPoolExecutor(BURST) as pool:
        return list(pool.map(one, range(BURST), timeout=DEADLINE))


def test_a_burst_across_workers_is_judged_exactly_limit_times(tmp_path: Path) -> None:
    clock = Clock()
    limiters = workers(tmp_path / "shared.db", LoginLimits(per_account=3, per_address=0), clock)
    answers = burst(limiters, outcome=lambda attempt: attempt.failed())
    assert answers.count(None) == 3
    assert all(wait == 1 for wait in answers if wait is not None)  # a try is running
    # Every worker now sees the three failures: the first delay, then one try per delay.
    assert [retry_after(limiter) for limiter in limiters] == [1, 1, 1, 1]
    clock.now += 1
    answers = burst(limiters, outcome=lambda attempt: attempt.failed())
    assert answers.count(None) == 1
    assert [retry_after(limiter) for limiter in limiters] == [2, 2, 2, 2]


def test_below_the_limit_only_the_tries_left_run_at_once(tmp_path: Path) -> None:
    clock = Clock()
    limiters = workers(tmp_path / "shared.db", LoginLimits(per_account=5, per_address=0), clock)
    fail_once(limiters[0])
    fail_once(limiters[1])
    answers = burst(limiters, outcome=lambda attempt: attempt.succeeded())
    assert answers.count(None) == 5 - 2
    assert all(retry_after(limiter) == 0 for limiter in limiters)  # the success cleared it


def test_the_delay_doubles_whichever_worker_judged_the_failure(tmp_path: Path) -> None:
    clock = Clock()
    limits = LoginLimits(per_account=2, per_address=0, first_delay=1, max_delay=8)
    limiters = workers(tmp_path / "shared.db", limits, clock, n=3)
    delays = []
    for i in range(2 + 5):
        fail_once(limiters[i % 3])
        delays.append(retry_after(limiters[(i + 1) % 3], EMAIL.upper()))  # any case, any worker
        clock.now += delays[-1]
    assert delays == [0, 1, 2, 4, 8, 8, 8]


def test_a_success_on_one_worker_clears_the_account_for_all(tmp_path: Path) -> None:
    clock = Clock()
    limits = LoginLimits(per_account=1, per_address=0, window=60)
    first, second = workers(tmp_path / "shared.db", limits, clock, n=2)
    fail_once(first)
    assert retry_after(second) == 1
    clock.now += 1
    with second.attempt("user_api", EMAIL, ADDRESS) as attempt:
        attempt.succeeded()
    assert retry_after(first) == 0
    fail_once(first)
    clock.now += 60  # a window with no failure: forgotten
    assert retry_after(second) == 0 and len(second) == 0


def test_the_address_limit_counts_across_workers_and_accounts(tmp_path: Path) -> None:
    clock = Clock()
    limiters = workers(tmp_path / "shared.db", LoginLimits(per_account=0, per_address=2), clock)
    fail_once(limiters[0], "a@example.com")
    fail_once(limiters[1], "b@example.com")
    assert retry_after(limiters[2], "c@example.com") == 1


def test_a_worker_killed_mid_login_holds_the_account_only_for_its_lease(tmp_path: Path) -> None:
    """A real process reserves the account's only try and is killed before it ends."""
    db = tmp_path / "shared.db"
    dies = (
        "import os, signal, sys\n"
        "from reference_impl.auth.login_limits import FailedLogins, LoginLimits\n"
        "limiter = FailedLogins(LoginLimits(per_account=1, per_address=0), store=sys.argv[1])\n"
        f"limiter.reserve('user_api', {EMAIL!r}, {ADDRESS!r})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", dies, str(db)], capture_output=True, timeout=DEADLINE, check=False
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    clock = Clock(time.time())  # after the child's reservation, which used the real clock
    survivor = FailedLogins(LoginLimits(per_account=1, per_address=0), store=db, clock=clock)
    assert retry_after(survivor) == 1  # the dead worker's try still counts as running
    clock.now += TRY_LEASE
    assert retry_after(survivor) == 0  # its lease is over


def test_no_transaction_is_held_while_a_password_is_checked(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    limiter = FailedLogins(LoginLimits(per_account=3), store=db, clock=Clock())
    with limiter.attempt("user_api", EMAIL, ADDRESS) as attempt:
        other = sqlite3.connect(db, timeout=0, isolation_level=None)  # no waiting at all
        try:
            other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if a lock were held
            other.execute("ROLLBACK")
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            other.close()
        attempt.failed()


def test_a_clock_that_steps_back_never_makes_a_wait_longer_than_the_cap(tmp_path: Path) -> None:
    clock = Clock()
    limits = LoginLimits(per_account=1, per_address=0, max_delay=8)
    limiter = FailedLogins(limits, store=tmp_path / "shared.db", clock=clock)
    fail_once(limiter)
    clock.now -= 3600
    assert retry_after(limiter) == 8
    limiter.reserve("user_api", "other@example.com", ADDRESS)  # a try that never ends
    clock.now -= 3 * TRY_LEASE  # its lease now reads as further ahead than a lease can be
    assert retry_after(limiter, "other@example.com") == 0


@pytest.mark.parametrize("limit", [2, 1], ids=["others-idle", "all-delayed"])
def test_keys_are_bounded_across_workers(tmp_path: Path, limit: int) -> None:
    """Idle keys go first, so a delayed account stays; past the hard cap the oldest goes."""
    clock = Clock()
    limits = LoginLimits(per_account=limit, per_address=0)
    db = tmp_path / "shared.db"
    limiters = [
        FailedLogins(limits, store=Store(db), clock=clock, max_tracked=20, hard_cap=50)
        for _ in range(2)
    ]
    for _ in range(limit):
        fail_once(limiters[0])  # the victim, now delayed
    for i in range(200):
        fail_once(limiters[i % 2], f"user{i}@example.com")  # one failure each
    if limit == 1:  # every key is delayed too: only the hard cap bounds them
        assert len(limiters[0]) == 50
        assert retry_after(limiters[1]) == 0  # the victim was the oldest: forgotten
    else:
        assert len(limiters[0]) == 20
        assert retry_after(limiters[1]) == 1  # the others could not flush it
