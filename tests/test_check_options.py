"""Run options of `authconform check` reach the checks that read them."""

from __future__ import annotations

from in_process import authconform


def test_expiry_wait_reaches_the_expiry_check() -> None:
    # The reference access token lives 300 s: a 1 s budget cannot see it expire, and
    # the check must say that it skipped for that reason, naming the budget given.
    done = authconform("check", "--api", "fib", "--no-fuzz", "--expiry-wait", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(
        text for text in done.stdout.splitlines() if "expired_access_token_is_rejected" in text
    )
    assert "SKIP" in line
    assert "past the expiry wait of 1 s" in line


def test_negative_expiry_wait_is_a_usage_error() -> None:
    done = authconform("check", "--no-fuzz", "--expiry-wait", "-3")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --expiry-wait: must be zero or more seconds"
