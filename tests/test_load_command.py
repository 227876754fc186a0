"""``authconform load``: the wrapper starts the reference server and Locust as child processes."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from load.command import configure
from load.process.locust import locust_command
from load.process.server import free_port
from load.stats.summary import read_rows

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parent.parent
# Upper bound for start-up plus a 2-second run; never a measurement.
PROCESS_TIMEOUT = 90


def _authconform(*args: str) -> subprocess.CompletedProcess:
    # Own process group: on a timeout, the server and Locust children go down with it.
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "load", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.serial  # a 2 s run must log in: `authconform load` has no count to stop on
def test_with_no_url_it_loads_the_reference_server_and_writes_reports(tmp_path):
    """Holds at half speed: Locust's -t starts once the users spawn, and a FIB login costs
    the reference about a millisecond of CPU (two on slower cores), so 3 users make hundreds
    of logins in the 2 s; the claim is that some were made and none failed."""
    report = tmp_path / "report"
    result = _authconform(
        "-u", "3", "-t", "2s", "--demo-users", "3", "--password-cost", "light",
        "--report", str(report),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "with 3 demo users, passwords at the light cost" in result.stdout
    rows = {(r.method, r.name): r for r in read_rows(report / "stats.json")}
    assert rows[("POST", "fib login")].requests > 0
    assert rows[("POST", "fib login")].failures == 0
    assert rows[("SIGN", "fib sign email")].requests > 0
    assert (report / "report.html").stat().st_size > 0
    assert (report / "stats_stats.csv").exists()
    assert "fib login" in result.stdout


def test_an_unreachable_url_is_a_target_error(tmp_path):
    port = free_port()  # closed again before use: nothing listens there
    credentials = tmp_path / "c.json"
    credentials.write_text(json.dumps({}))
    result = _authconform(f"http://127.0.0.1:{port}", "--credentials", str(credentials))
    assert result.returncode == 2
    assert result.stderr.startswith("error: http://127.0.0.1:")


def test_credentials_without_a_url_are_refused(tmp_path):
    result = _authconform("--credentials", str(tmp_path / "c.json"))
    assert result.returncode == 2
    assert "--credentials" in result.stderr


def test_a_password_cost_with_a_url_is_refused(tmp_path):
    result = _authconform("http://127.0.0.1:9", "--password-cost", "light")
    assert result.returncode == 2
    assert "--password-cost: only without a URL" in result.stderr


def test_the_locust_command_puts_class_names_before_tags_and_forwards_thresholds():
    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(
        ["--tags", "session", "--scenario", "FibSessionUser", "--max-p95-ms", "50", "-u", "4"]
    )
    command = locust_command(args, "http://127.0.0.1:9", "c.json")
    assert command[command.index("--host") + 1] == "http://127.0.0.1:9"
    assert command[command.index("--credentials") + 1] == "c.json"
    assert command[command.index("--max-p95-ms") + 1] == "50.0"
    assert command[command.index("-r") + 1] == "4"  # spawn rate defaults to the user count
    # Locust reads anything after --tags as a tag, so the class must come first.
    assert command.index("FibSessionUser") < command.index("--tags")
    assert command[-2:] == ["--tags", "session"]


def test_local_processes_get_a_free_loopback_master_port():
    parser = argparse.ArgumentParser()
    configure(parser)
    command = locust_command(parser.parse_args(["--processes", "2"]), "http://127.0.0.1:9", None)
    assert command[command.index("--processes") + 1] == "2"
    assert command[command.index("--master-bind-host") + 1] == "127.0.0.1"
    port = command[command.index("--master-bind-port") + 1]
    assert command[command.index("--master-port") + 1] == port
    assert port != "5557" and 0 < int(port) < 65536
