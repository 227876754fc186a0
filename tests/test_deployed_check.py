"""Check what is deployed: ``authconform check URL`` against ``authconform serve``, a real process.

The embedded server the default ``check`` starts is not the deployed one (another HTTP
server, other connection handling), so this test serves the reference the way a user
does, under Granian with its default workers, threads and timeouts, and checks it over
loopback as a user would.

A flaky verdict is a wrong verdict, so the check is repeated. The issue asks for 20
passing runs out of 20: they are ``--api fib --no-fuzz`` (the system whose checks send
the oversized body, the form body and the lifecycle requests over kept-alive connections,
where a flaky verdict was seen), beside one full ``--api all`` run with the Schemathesis
stage, which also runs every protocol check of the three systems. The reference is the
project's recommended reading, so every run must exit 0 with no advisory at all. (Under
gunicorn this test caught a dropped request after a 413 on a kept-alive connection in
about one run in four.)

Cheaper than a deployment in two ways that leave the claim whole:

- Passwords are hashed at ``--password-cost light``. The claim is the verdicts over
  Granian's connections; the scrypt cost changes only how long a User API or Duktig
  password takes to hash (FIB logins hash no password). That ``serve`` hashes at the
  OWASP cost unless told is pinned by the last test below, and logins at that cost by
  ``test_reference_passwords.py``. At the default cost the hashing alone took about 40
  CPU seconds of this test.
- The full run is a separate ``authconform`` process (its exit status and output are a
  user's), and while it runs the 20 FIB runs call the command line's ``main()`` in this
  process one after another (``tests/in_process.py``): each run still opens its own
  connections and judges only the sessions it made, and the served reference still sees
  two runs overlapping, as a shared deployment does; the 20 interpreters' start-up (about
  0.65 CPU seconds each) judged nothing.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import in_process
import pytest
import subprocesses
from subprocesses import serving

from reference_impl.auth import passwords
from reference_impl.serving.cli import PASSWORD_COSTS, configure

RUNS = 20
LOGGED_IN = "PASS fib  login  correctly_signed_login_succeeds"
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
        "--password-cost",
        "light",
    ) as url:
        assert set(json.loads(credentials.read_text())) == {"fib", "user-api", "duktig"}
        with ThreadPoolExecutor(1) as pool:
            # The longest run in a child of its own; the short ones fill the time beside it.
            full = pool.submit(
                subprocesses.authconform,
                *("check", url, "--api", "all", "--seed", "1", "--max-examples", "10", *base),
                timeout=240,
            )
            runs = [
                in_process.authconform("check", url, "--api", "fib", "--no-fuzz", *base)
                for _ in range(RUNS)
            ]
            runs.insert(0, full.result())
    assert "schemathesis.run" in runs[0].stdout
    # Each run logged in with the file's FIB users: its login checks ran, none was skipped.
    logged_in = [run for run in runs if LOGGED_IN in run.stdout]
    assert len(logged_in) == len(runs), runs[-1].stdout[-2000:]
    bad = [run for run in runs if run.returncode != 0 or ADVISORY_LINE.search(run.stdout)]
    assert bad == [], (
        f"{len(bad)} of {len(runs)} runs not clean; first:\n"
        + _summary(bad[0].stdout)
        + bad[0].stderr
    )


def test_served_passwords_are_hashed_at_the_owasp_cost_unless_told() -> None:
    """What the check above serves at ``light`` is, by default, the OWASP cost."""
    parser = argparse.ArgumentParser()
    configure(parser)
    assert PASSWORD_COSTS[parser.parse_args([]).password_cost] is passwords.OWASP
    assert PASSWORD_COSTS[parser.parse_args(["--password-cost", "light"]).password_cost] == (
        passwords.LIGHT
    )
