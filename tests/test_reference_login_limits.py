"""Failed-login limits on the reference server: reserved before hashing, so a concurrent burst
cannot pass them; past them a growing delay, never a lockout; counts per system, per account
and per address; memory bounded without letting other keys flush a delayed account.

Real loopback HTTP to the embedded (threaded) server; the limiter's clock is held still,
so the delays are asserted from ``Retry-After`` and the clock, never from sleeping.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from reference_impl.auth import passwords
from reference_impl.auth.login_limits import FailedLogins, LoginLimits
from reference_impl.http.errors import TooManyRequests

API_LOGIN = "/api/user/login"
DUKTIG = "/auth/token"
WRONG = "not-the-password"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class CountingVerifier:
    """The real scrypt check, counted: how many logins were actually judged."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, password: str, encoded: str) -> bool:
        with self._lock:
            self.calls += 1
        return passwords.verify_password(password, encoded)


def _retry_after(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    return int(answer.headers["Retry-After"])


def test_a_concurrent_burst_is_judged_at_most_limit_times(start_server) -> None:
    clock, verifier = Clock(), CountingVerifier()
    limiter = FailedLogins(LoginLimits(per_account=3, per_address=0), clock=clock)
    server = start_server(
        demo_users=1, login_limiter=limiter, user_api_password_verifier=verifier
    )
    user = server.credentials["user-api"]["users"][0]
    wrong = {"email": user["email"], "password": WRONG}
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(30) as pool:
        send = lambda _: client.post(server.url + API_LOGIN, json=wrong)  # noqa: E731
        answers = list(pool.map(send, range(30)))
    codes = [answer.status_code for answer in answers]
    assert verifier.calls <= 3
    assert codes.count(401) == verifier.calls and codes.count(429) == 30 - verifier.calls
    # The owner, after the attacker's failures: delayed, not locked out.
    right = {"email": user["email"], "password": user["password"]}
    delay = _retry_after(httpx.post(server.url + API_LOGIN, json=right))
    assert delay <= limiter.limits.max_delay
    clock.now += delay
    assert httpx.post(server.url + API_LOGIN, json=right).status_code == 200


def _wait(limiter: FailedLogins, email: str) -> int:
    """The Retry-After a try would get now (0: it would be judged); the probe is not counted."""
    try:
        limiter.release(limiter.reserve("user_api", email, "10.0.0.1"))
    except TooManyRequests as refused:
        return int(dict(refused.headers)["Retry-After"])
    return 0


def test_past_the_limit_each_failure_doubles_the_delay_up_to_the_cap(tmp_path) -> None:
    clock = Clock()
    limiter = FailedLogins(
        LoginLimits(per_account=2, per_address=0, first_delay=1, max_delay=8),
        store=tmp_path / "limits.db",
        clock=clock,
    )
    delays = []
    for _ in range(2 + 5):
        try:
            with limiter.attempt("user_api", "a@example.com", "10.0.0.1") as attempt:
                attempt.failed()
        except TooManyRequests as refused:
            pytest.fail(f"refused although the delay had passed: {refused.headers}")
        delays.append(_wait(limiter, "A@example.com"))  # emails count in any case
        clock.now += delays[-1]
    assert delays == [0, 1, 2, 4, 8, 8, 8]


def test_a_success_clears_the_account_and_the_window_forgets(tmp_path) -> None:
    clock = Clock()
    limiter = FailedLogins(
        LoginLimits(per_account=1, per_address=0, window=60), store=tmp_path / "l.db", clock=clock
    )
    with limiter.attempt("duktig", "a@example.com", "x") as attempt:
        attempt.failed()
    with pytest.raises(TooManyRequests):
        limiter.reserve("duktig", "a@example.com", "x")
    clock.now += 1
    with limiter.attempt("duktig", "a@example.com", "x") as attempt:
        attempt.succeeded()
    with limiter.attempt("duktig", "a@example.com", "x") as attempt:
        attempt.failed()  # one failure since the success: at the limit again
    clock.now += 60  # a window with no failure: forgotten
    with limiter.attempt("duktig", "a@example.com", "x") as attempt:
        attempt.failed()


def test_counts_are_kept_per_system(start_server) -> None:
    clock = Clock()
    limiter = FailedLogins(LoginLimits(per_account=2, per_address=0), clock=clock)
    server = start_server(demo_users=1, login_limiter=limiter)
    api_user = server.credentials["user-api"]["users"][0]
    duktig_user = server.credentials["duktig"]["users"][0]
    assert api_user["email"] == duktig_user["email"]  # one address, two systems
    wrong = {"email": api_user["email"], "password": WRONG}
    for _ in range(2):
        assert httpx.post(server.url + API_LOGIN, json=wrong).status_code == 401
    assert httpx.post(server.url + API_LOGIN, json=wrong).status_code == 429
    key = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
    assert httpx.post(server.url + DUKTIG, json=duktig_user, headers=key).status_code == 200


def test_the_address_limit_delays_duktig_guesses_across_accounts(start_server) -> None:
    clock = Clock()
    limiter = FailedLogins(LoginLimits(per_account=0, per_address=2), clock=clock)
    server = start_server(demo_users=1, login_limiter=limiter)
    key = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
    statuses = [
        httpx.post(
            server.url + DUKTIG, json={"email": f"x{i}@example.com", "password": WRONG}, headers=key
        ).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 429]
    user = server.credentials["duktig"]["users"][0]
    limited = httpx.post(server.url + DUKTIG, json=user, headers=key)
    assert _retry_after(limited) >= 1 and limited.json()["status"] == "error"
    clock.now += _retry_after(limited)
    assert httpx.post(server.url + DUKTIG, json=user, headers=key).status_code == 200


def test_memory_is_bounded_and_other_keys_cannot_flush_a_delayed_account(tmp_path) -> None:
    clock = Clock()
    limits = LoginLimits(per_account=3, per_address=0)
    limiter = FailedLogins(limits, store=tmp_path / "l.db", clock=clock, max_tracked=100)
    for _ in range(3):
        with limiter.attempt("user_api", "victim@example.com", "x") as attempt:
            attempt.failed()
    for i in range(5000):
        with limiter.attempt("user_api", f"user{i}@example.com", "x") as attempt:
            attempt.failed()
    assert len(limiter) == 100
    with pytest.raises(TooManyRequests):
        limiter.reserve("user_api", "victim@example.com", "x")
