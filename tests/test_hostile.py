"""The checker against targets that misbehave on purpose: every run ends on its own.

Each target is a small loopback server (tests/hostile_servers.py). The checker runs as a
child process, as a user runs it; the test asserts its exit code, that it ended within
its bound (the test's own timeout, far above the configured budget), that no traceback
escaped, and that its peak memory (wait4's ru_maxrss) stayed small.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import hostile_servers
import pytest

pytestmark = pytest.mark.slow

# Issue bounds: every run ends within this; the checker's peak RSS stays under 300 MB.
WALL_CLOCK_LIMIT = 120.0
PEAK_RSS_LIMIT_KB = 300 * 1024
# Small limits keep the module quick: a 2 s request deadline, a 20 s run budget.
FAST = ("--no-fuzz", "--timeout", "2", "--max-time", "20")


@dataclass
class Outcome:
    code: int
    output: str
    seconds: float
    peak_rss_kb: int


# The checker runs under this small parent, which reports the checker's peak RSS. Linux
# starts a child's ru_maxrss at its parent's RSS at the fork, so a checker started by a
# pytest worker that ran heavy tests before would report the worker's size, not its own.
PEAK_REPORTER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


CHECKER = (sys.executable, "-m", "conformance", "check")


def check(url: str, *args: str, cwd: Path) -> Outcome:
    """``authconform check URL ARGS`` as a child; exit code, output, time and peak RSS."""
    out, peak = cwd / "output.txt", cwd / "peak-rss-kb.txt"
    started = time.monotonic()
    with out.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-c", PEAK_REPORTER, str(peak), *CHECKER, url, *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,  # a kill at the deadline takes the checker too
        )
        deadline = started + WALL_CLOCK_LIMIT
        while child.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                pytest.fail(f"the checker was still running after {WALL_CLOCK_LIMIT:g} s")
            time.sleep(0.1)
    return Outcome(
        code=child.returncode,
        output=out.read_text(encoding="utf-8", errors="replace"),
        seconds=time.monotonic() - started,
        peak_rss_kb=int(peak.read_text(encoding="utf-8")),
    )


def assert_clean(result: Outcome, code: int, within: float = WALL_CLOCK_LIMIT) -> None:
    """``within`` is the checker's own bound (its deadlines and --max-time) plus ten seconds
    or more for its start and its report: about two seconds of CPU here, four at half speed."""
    assert result.code == code, result.output[-3000:]
    assert result.seconds < within, f"took {result.seconds:.1f} s\n{result.output[-3000:]}"
    assert "Traceback" not in result.output, result.output[-3000:]
    assert result.peak_rss_kb < PEAK_RSS_LIMIT_KB, f"peak RSS {result.peak_rss_kb} kB"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("never_answers", "no answer within 5 s"),
        ("closes_at_once", "connected, but got no HTTP answer"),
        ("garbage", "connected, but got no HTTP answer"),
        ("drip", "no answer within 5 s"),
        ("huge_body", "answered more than 1048576 bytes"),
        ("probe_then_hang", "no answer to POST"),
        ("redirect_loop", "redirects (302"),
    ],
)
def test_unusable_target_ends_with_one_error_line(name: str, says: str, tmp_path: Path) -> None:
    with hostile_servers.serving(name) as url:
        result = check(url, *FAST, cwd=tmp_path)
    assert_clean(result, 2)
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and says in errors[0], result.output[-3000:]
    assert "PASS" not in result.output


def test_static_file_server_is_not_the_api(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body>hello</body></html>")
    with hostile_servers.static_files(site) as url:
        result = check(url, *FAST, cwd=tmp_path)
    assert_clean(result, 2)
    assert "does not look like FIB API" in result.output
    assert "PASS" not in result.output


def test_nested_json_fails_the_checks_not_the_suite(tmp_path: Path) -> None:
    with hostile_servers.serving("nested_json") as url:
        result = check(url, *FAST, cwd=tmp_path)
    assert_clean(result, 1)
    assert "JSON nested too deep" in result.output
    assert "ERR " not in result.output and "errors" in result.output
    assert " 0 errors" in result.output


def test_target_that_stops_answering_ends_the_run_early(tmp_path: Path) -> None:
    """A 1 s request deadline: the claim is the count of misses, not the deadline's length,
    and the server's first 20 answers are immediate."""
    with hostile_servers.serving("dies_mid_run") as url:
        result = check(url, "--no-fuzz", "--timeout", "1", "--max-time", "20", cwd=tmp_path)
    # Three missed answers of at most 1 s each, not one timeout per remaining check.
    assert_clean(result, 2, within=15)
    assert "error: run incomplete: target: stopped answering: 3 requests in a row" in result.output
    assert "did not run (" in result.output


def test_run_budget_stops_a_slow_target(tmp_path: Path) -> None:
    with hostile_servers.serving("slow_api") as url:
        result = check(url, "--no-fuzz", "--max-time", "6", "--report", "out", cwd=tmp_path)
    assert_clean(result, 2, within=6 + 10)
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["conformant"] is False
    assert "budget of 6 s is used up" in data["totals"]["incomplete"]
    not_run = [r for r in data["results"] if r["message"].startswith("did not run:")]
    assert not_run and all(r["outcome"] == "skipped" for r in not_run)
    assert "error: run incomplete: --max-time: the run's budget of 6 s is used up" in result.output
    assert "INCOMPLETE" in result.output
    assert "did not run (" in result.output


def test_run_budget_bounds_the_schemathesis_stage(tmp_path: Path) -> None:
    """The protocol checks take about a second here; the rest of a 10 s budget goes to
    Schemathesis, which needs far longer at 2 s an answer."""
    with hostile_servers.serving("slow_to_fuzzing") as url:
        result = check(
            url, "--api", "user-api", "--max-examples", "5", "--max-time", "10", cwd=tmp_path
        )
    assert_clean(result, 2, within=10 + 15)
    assert "ran out during Schemathesis" in result.output


def test_a_check_that_saw_only_redirects_is_not_a_pass() -> None:
    """Past the fingerprint (run_system skips it), redirects give checks nothing to judge."""
    from conformance.engine.runner import run_system
    from conformance.engine.settings import Settings
    from conformance.model import Outcome
    from conformance.profiles import get_profile

    with hostile_servers.serving("redirect_loop") as url:
        results = run_system(get_profile("fib"), url, None, Settings(fuzz=False, timeout=2))
    by_name = {r.name: r for r in results}
    assert by_name["error_bodies_use_the_envelope"].outcome is Outcome.NOT_APPLICABLE
    assert "redirect" in by_name["error_bodies_use_the_envelope"].message
    assert not [r.name for r in results if r.outcome is Outcome.PASSED]
    assert not [r.name for r in results if r.outcome is Outcome.ERROR]
