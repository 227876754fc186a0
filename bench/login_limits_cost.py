"""What the failed-login limits add to a successful password login: one reserve, one release.

The limiter as ``authconform serve`` builds it (the default limits, counts in a SQLite
file in WAL mode, as every worker shares them), called in a loop the way the User API
and Duktig handlers call it for a login whose password matched, with nothing else in
the loop. Each round times as many logins as fit in ``--seconds``; the figure is the
median of ``--rounds`` rounds, in microseconds per login. The loop's own cost, measured
the same way with the limits off (no key, so nothing stored), is reported beside it.

    .venv/bin/python bench/login_limits_cost.py --seconds 1 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from reference_impl.auth.login_limits import DEFAULT_LIMITS, FailedLogins, LoginLimits
from reference_impl.store import Store

BATCH = 50  # logins between two looks at the clock
ADDRESS = "127.0.0.1"


def time_logins(limiter: Any, seconds: float, email: str = "alice@example.com") -> float:
    """Microseconds per successful login through ``limiter.attempt``, over about ``seconds``."""
    logins, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(BATCH):
            with limiter.attempt("user_api", email, ADDRESS) as attempt:
                attempt.succeeded()
        logins += BATCH
        now = time.perf_counter()
        if now >= deadline:
            return (now - started) / logins * 1e6


def measure(seconds: float = 1.0, rounds: int = 5) -> dict[str, float]:
    """Median microseconds per successful login: ``shared_us`` with the limits kept in SQLite,
    ``loop_us`` with the limits off; the two measured in turns within each round."""
    with tempfile.TemporaryDirectory(prefix="login-limits-") as folder:
        store = Store(Path(folder) / "limits.db")
        shared = FailedLogins(DEFAULT_LIMITS, store=store)
        off = FailedLogins(LoginLimits(per_account=0, per_address=0), store=store)
        time_logins(shared, min(seconds, 0.2))  # warm up: schema, connection, statements
        shared_us, loop_us = [], []
        for _ in range(rounds):
            shared_us.append(time_logins(shared, seconds))
            loop_us.append(time_logins(off, seconds))
        store.close()
    return {
        "shared_us": round(statistics.median(shared_us), 1),
        "loop_us": round(statistics.median(loop_us), 1),
        "rounds": rounds,
        "seconds": seconds,
    }


def table_line(figures: dict[str, float]) -> str:
    """One row for a ``| step | us |`` table."""
    return (
        "| failed-login limits on a successful login: reserve + release in SQLite, "
        f"shared by the workers (loop alone {figures['loop_us']:.1f}) | "
        f"{figures['shared_us']:.1f} |"
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1:
        parser.error("--seconds must be above 0 and --rounds at least 1")
    figures = measure(args.seconds, args.rounds)
    print(table_line(figures))
    return figures


if __name__ == "__main__":
    main()
