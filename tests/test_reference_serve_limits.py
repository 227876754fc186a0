"""``authconform serve --workers N`` under Granian: the failed-login limit holds for the server.

A burst of wrong passwords for one account, on fresh connections so the kernel spreads
them over the workers, is judged at most the limit's number of times in all; every other
try is refused with 429 and ``Retry-After``. The server's clock is real, so the bound
allows one more judged try per delay that could have run out during the burst (none
unless it lasted a second or more): a slow machine loosens the bound, never fails it.
"""

from __future__ import annotations

import json
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

from reference_impl.auth.login_limits import DEFAULT_LIMITS

AUTHCONFORM_SERVE = (sys.executable, "-m", "conformance.cli", "serve")
LIMIT = 3
BURST = 30
DEADLINE = 30.0  # seconds for one request, and for the whole burst
WRONG = "not-the-password"


def _burst(url: str, body: dict, headers: dict[str, str]) -> tuple[list[httpx.Response], float]:
    """``BURST`` concurrent posts, each on its own connection; the answers and seconds taken."""
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    client = httpx.Client(timeout=DEADLINE, limits=no_reuse, headers=headers)
    with client, ThreadPoolExecutor(BURST) as pool:
        started = time.monotonic()
        answers = list(
            pool.map(lambda _: client.post(url, json=body), range(BURST), timeout=DEADLINE)
        )
        return answers, time.monotonic() - started


def _judged_at_most(seconds: float) -> int:
    """The limit, plus one try per doubling delay that fits in ``seconds`` (1 + 2 + 4 ...)."""
    return LIMIT + int(math.log2(seconds / DEFAULT_LIMITS.first_delay + 1))


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_share_one_failed_login_limit(tmp_path: Path, free_port, workers: int) -> None:
    db, creds = tmp_path / "limits.db", tmp_path / "creds.json"
    args = (
        "--workers", str(workers), "--demo-users", "1", "--credentials-out", str(creds),
        "--password-cost", "light", "--max-failed-logins-per-account", str(LIMIT),
    )  # fmt: skip
    with serving(free_port(), db, *args, command=AUTHCONFORM_SERVE) as url:
        credentials = json.loads(creds.read_text())
        duktig_key = {"X-Auth-Key": credentials["duktig"]["authKey"]}
        systems = {
            "user-api": (f"{url}/api/user/login", {}),
            "duktig": (f"{url}/auth/token", duktig_key),
        }
        for system, (login, headers) in systems.items():
            email = credentials[system]["users"][0]["email"]
            answers, seconds = _burst(login, {"email": email, "password": WRONG}, headers)
            codes = [answer.status_code for answer in answers]
            assert set(codes) <= {401, 429}, (system, codes)
            judged = codes.count(401)
            assert 1 <= judged <= _judged_at_most(seconds), (system, workers, codes, seconds)
            for refused in (answer for answer in answers if answer.status_code == 429):
                assert int(refused.headers["Retry-After"]) >= 1, refused.headers
