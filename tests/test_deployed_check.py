"""Check what is deployed: ``authconform check URL`` against ``authconform serve``, a real process.

The embedded server the default ``check`` starts is not the deployed one (another HTTP
server, other connection handling), so this test serves the reference the way a user
does, with its default settings, and checks it over loopback as a user would.

A flaky verdict is a wrong verdict, so the check is repeated. The issue asks for 20
passing runs out of 20; to stay near a minute on a busy 2-core machine (a full
``--no-fuzz`` run of all three systems costs about 5 s of slow password hashing), the
20 runs are ``--api fib --no-fuzz`` (the system whose checks send the oversized body, the
form body and the lifecycle requests over kept-alive connections, where a flaky verdict
was seen), then two ``--api all --no-fuzz`` runs and one full ``--api all`` run with the
Schemathesis stage. The reference is the project's recommended reading, so every run must
exit 0 with no advisory at all. (Under gunicorn this test caught a dropped request after a
413 on a kept-alive connection in about one run in four.)

The runs are separate ``authconform`` processes, up to ``AT_ONCE`` of them at a time: the
served reference then also sees overlapping runs, as a shared deployment does, and the
test takes a fraction of its serial time. Each run logs in as the file's users and judges
only the sessions it made, so overlapping runs do not change one another's verdicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from subprocesses import authconform, serving

RUNS = 20
AT_ONCE = 4
ADVISORY_LINE = re.compile(r"^\s*WARN .*$", re.MULTILINE)


def _summary(output: str) -> str:
    return output[output.rfind("Summary for") :]


@pytest.mark.slow
def test_check_of_the_served_reference_passes_every_time(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    credentials = tmp_path / "credentials.json"
    base = ("--credentials", str(credentials))
    with serving(
        free_port(),
        tmp_path / "served.db",
        "--demo-users",
        "2",
        "--credentials-out",
        str(credentials),
    ) as url:
        assert set(json.loads(credentials.read_text())) == {"fib", "user-api", "duktig"}
        with ThreadPoolExecutor(AT_ONCE) as pool:
            # The longest run first, so that the short ones fill the time beside it.
            started = [
                pool.submit(
                    authconform,
                    *("check", url, "--api", "all", "--seed", "1", "--max-examples", "10", *base),
                    timeout=240,
                )
            ]
            # Bounds for the harness, not verdicts: overlapping runs of all three systems
            # share the server's deliberately slow password hashing.
            started += [
                pool.submit(
                    authconform, "check", url, "--api", "all", "--no-fuzz", *base, timeout=240
                )
                for _ in range(2)
            ]
            started += [
                pool.submit(authconform, "check", url, "--api", "fib", "--no-fuzz", *base)
                for _ in range(RUNS)
            ]
            runs = [run.result() for run in started]
    full = runs[0]
    assert "schemathesis.run" in full.stdout
    bad = [run for run in runs if run.returncode != 0 or ADVISORY_LINE.search(run.stdout)]
    assert bad == [], (
        f"{len(bad)} of {len(runs)} runs not clean; first:\n"
        + _summary(bad[0].stdout)
        + bad[0].stderr
    )
