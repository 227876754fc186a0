"""Does a wrong password take as long for a known account as for an unknown email?

Wrong-password logins to the User API and Duktig, alternating between a demo user and an
email that does not exist, against the embedded reference server at the server's default
password cost (OWASP) with the failed-login limits off. Alternating in one run (each kind
first in half the rounds) keeps a busy machine's drift out of the comparison. Prints one
JSON object: each kind's median time per system, and their ratio (known / unknown; 1.0
is equal work).

    .venv/bin/python bench/login_timing.py --rounds 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import httpx

from reference_impl.auth.login_limits import FailedLogins, LoginLimits
from reference_impl.auth.passwords import OWASP
from reference_impl.serving.embedded import running_server

WRONG = "not-the-password-at-all"
PATHS = {"user-api": "/api/user/login", "duktig": "/auth/token"}


def measure(rounds: int) -> dict[str, dict[str, float]]:
    limits_off = FailedLogins(LoginLimits(per_account=0, per_address=0))
    with running_server(demo_users=1, password_cost=OWASP, login_limiter=limits_off) as server:
        headers = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
        result = {}
        with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
            for system, path in PATHS.items():
                known = server.credentials[system]["users"][0]["email"]
                times: dict[str, list[float]] = {"known": [], "unknown": []}
                for i in range(rounds + 1):
                    pair = [("known", known), ("unknown", f"nobody{i}@example.com")]
                    for kind, email in pair[:: 1 if i % 2 else -1]:  # each goes first half the time
                        started = time.perf_counter()
                        answer = client.post(path, json={"email": email, "password": WRONG})
                        elapsed = time.perf_counter() - started
                        assert answer.status_code == 401, answer.text
                        if i:  # the first round warms the decoy hash and connections
                            times[kind].append(elapsed)
                known_ms = statistics.median(times["known"]) * 1000
                unknown_ms = statistics.median(times["unknown"]) * 1000
                result[system] = {
                    "known_ms": round(known_ms, 1),
                    "unknown_ms": round(unknown_ms, 1),
                    "ratio": round(known_ms / unknown_ms, 3),
                }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="pairs of logins per system")
    print(json.dumps(measure(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
