"""``authconform load`` across hosts: target, master and two workers each in a namespace.

The commands are the ones docs/guides/load-testing.md gives for separate machines. Linux and
root only (CI runs as root); skipped elsewhere with the reason. Each run is seconds long.

Only the capacity search judges speed: it alone runs in the serial pass. The others judge
counts, never how fast: the open-model runs end on a count of logins (``--max-logins``) with
seconds to spare in ``-t``, and the closed-model run judges only that its logins were counted
alike on the target and on the master. A busy machine makes them slower, never wrong, so they
run in the parallel pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram
from locust_run import ENDED_ON_THE_COUNT, RUN_TIME_REACHED, SCHEDULE_RUNS
from netns_hosts import Host, cannot_make_hosts, hosts, in_host

pytestmark = [pytest.mark.load, pytest.mark.slow]

WHY_NOT = cannot_make_hosts() if sys.platform == "linux" else "network namespaces are Linux"
if WHY_NOT:
    pytest.skip(WHY_NOT, allow_module_level=True)

AUTHCONFORM = str(Path(sys.executable).with_name("authconform"))
COUNTER = str(Path(__file__).with_name("login_counter.py"))
PORT, SERVER_PORT = 8000, 8001
# Two slow fronts, alike: 4 places held 40 ms each, so about 100 logins/s get through each.
# The capacity test searches one with remote workers and the other with local processes,
# at the same time.
SLOW_PORTS = {"remote": 8002, "local": 8003}
SLOTS, HOLD_MS = 4, 40
WORKERS = ("worker1", "worker2")
RUN_TIMEOUT = 120
# A worker that serves one run exits soon after its master.
WORKER_EXIT_S = 15
# The masters' ports: the capacity search has one of its own.
MASTER_PORT, SEARCH_PORT = 5557, 5558


def _start(host: Host, command: list[str], log: Path) -> subprocess.Popen:
    # A session of its own: stopping it stops its children too (a worker's locust).
    return subprocess.Popen(
        in_host(host, command), stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(path: Path, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.exists(), f"{path.name} never appeared"


# Run in the target's namespace: until URL gives any HTTP answer (an error status too).
_ANSWERS = """
import sys, time, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
end = time.monotonic() + float(sys.argv[2])
while True:
    try:
        opener.open(sys.argv[1], timeout=5)
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > end:
            sys.exit(1)
        time.sleep(0.1)
"""


def _wait_for_answer(host: Host, url: str, server: subprocess.Popen, log: Path) -> None:
    """Until the server answers through ``url``: ``serve`` writes its credentials before its
    workers start, and on a slow machine a first run could race their start."""
    probe = subprocess.run(in_host(host, [sys.executable, "-c", _ANSWERS, url, str(RUN_TIMEOUT)]),
                           timeout=RUN_TIMEOUT + 10, check=False)  # fmt: skip
    assert probe.returncode == 0 and server.poll() is None, log.read_text(errors="replace")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[dict]:
    """Hosts, the reference server behind a login counter on the target, its credentials."""
    work = tmp_path_factory.mktemp("hosts")
    with hosts("target", "master", *WORKERS) as found:
        target = found["target"]
        credentials = work / "credentials.json"
        server = _start(target, [
            AUTHCONFORM, "serve", "--host", "127.0.0.1", "--port", str(SERVER_PORT),
            "--workers", "1", "--db", str(work / "db.sqlite3"), "--demo-users", "20",
            "--credentials-out", str(credentials),
            # Owasp-cost scrypt takes half a minute for the demo users; no test logs in
            # with a password.
            "--password-cost", "light",
        ], work / "server.log")  # fmt: skip
        counter = _start(target, [
            sys.executable, COUNTER, target.address, str(PORT), str(SERVER_PORT),
            str(work / "logins"),
        ], work / "counter.log")  # fmt: skip
        slow = [
            _start(target, [
                sys.executable, COUNTER, target.address, str(port), str(SERVER_PORT),
                str(work / f"slow-logins-{name}"), str(SLOTS), str(HOLD_MS),
            ], work / f"slow-{name}.log")
            for name, port in SLOW_PORTS.items()
        ]  # fmt: skip
        try:
            _wait_for(credentials)
            _wait_for(work / "logins")
            _wait_for_answer(target, f"http://{target.address}:{PORT}/", server,
                             work / "server.log")  # fmt: skip
            yield {"hosts": found, "work": work, "credentials": str(credentials),
                   "url": f"http://{target.address}:{PORT}",
                   "slow_urls": {name: f"http://{target.address}:{port}"
                                 for name, port in SLOW_PORTS.items()}}  # fmt: skip
        finally:
            for process in (*slow, counter, server):
                _stop(process)


def _counted(path: Path) -> tuple[int, int]:
    total, writes = path.read_text().split()
    return int(total), int(writes)


def _logins_on_target(lab: dict, seconds: float = 30) -> int:
    """The counter's total, from a write begun after this call: every login it relayed."""
    path = lab["work"] / "logins"
    _, seen = _counted(path)
    deadline = time.monotonic() + seconds
    while (counted := _counted(path))[1] < seen + 2:
        assert time.monotonic() < deadline, "the login counter stopped writing its total"
        time.sleep(0.05)
    return counted[0]


def _workers(lab: dict, name: str, port: int, runs: int = 1) -> list[subprocess.Popen]:
    """One ``authconform load --worker`` on each worker host, for the master at ``port``."""
    return [
        _start(lab["hosts"][w], [
            AUTHCONFORM, "load", "--worker", "--master-host", lab["hosts"]["master"].address,
            "--master-port", str(port), "--worker-runs", str(runs),
        ], lab["work"] / f"{name}-{w}.log")
        for w in WORKERS
    ]  # fmt: skip


def _master(lab: dict, url: str, name: str, port: int, args: list[str]) -> list[str]:
    """The master's command line (for its host): it waits for the two workers at ``port``."""
    return [
        AUTHCONFORM, "load", url, "--credentials", lab["credentials"],
        "--expect-workers", str(len(WORKERS)),
        "--master-bind-host", lab["hosts"]["master"].address,
        "--master-bind-port", str(port), "--report", str(lab["work"] / name), *args,
    ]  # fmt: skip


def _distributed(lab: dict, name: str, args: list[str]) -> tuple[int, str, list[str]]:
    """The master's exit status and output, and each worker's output."""
    workers = _workers(lab, name, MASTER_PORT)
    try:
        done = subprocess.run(
            in_host(lab["hosts"]["master"], _master(lab, lab["url"], name, MASTER_PORT, args)),
            capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )  # fmt: skip
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=WORKER_EXIT_S)
            except subprocess.TimeoutExpired:
                _stop(worker)
    logs = [(lab["work"] / f"{name}-{w}.log").read_text(errors="replace") for w in WORKERS]
    return done.returncode, done.stdout + done.stderr, logs


def _login_row(report: Path) -> dict:
    stats = json.loads((report / "stats.json").read_text())
    return next(row for row in stats if row["name"] == "fib login")


def test_the_hosts_are_namespaces_with_addresses_of_their_own(lab):
    addresses = {host.address for host in lab["hosts"].values()}
    namespaces = {host.netns for host in lab["hosts"].values()}
    assert len(addresses) == len(namespaces) == 2 + len(WORKERS)
    worker = lab["hosts"]["worker1"]
    shown = subprocess.run(in_host(worker, ["ip", "-4", "addr", "show", "eth0"]),
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert worker.address in shown


def test_a_closed_model_run_across_two_remote_workers(lab):
    """Judges counts only: a busy machine makes fewer logins in the 2 s, never a mismatch."""
    before = _logins_on_target(lab)
    code, output, _ = _distributed(lab, "closed", ["-u", "4", "-t", "2s"])
    assert code == 0, output
    row = _login_row(lab["work"] / "closed")
    assert row["num_requests"] > 0 and row["num_failures"] == 0
    # Locust drops the answers of logins in flight when the run stops (at most one per
    # user): the target saw those, the master did not count them.
    unreported = _logins_on_target(lab) - before - row["num_requests"]
    assert 0 <= unreported <= 4


def test_an_open_model_rate_is_split_across_the_workers_and_merged_on_the_master(lab):
    before = _logins_on_target(lab)
    # The count ends the schedule after 2 s; -t leaves room for a worker that starts late on
    # a busy machine, and for the last answers, and the run ends once both workers had them.
    rate = ["--rate", "100", "--max-logins", "200", "-t", "8s"]
    code, output, logs = _distributed(lab, "open", rate)
    assert code == 0, output
    assert ENDED_ON_THE_COUNT in output and RUN_TIME_REACHED not in output, output
    merged = json.loads((lab["work"] / "open" / "latency.json").read_text())
    assert merged["processes"] == len(WORKERS)
    pattern = r"worker \d+ sent (\d+) logins"
    sent = [int(m.group(1)) for log in logs for m in re.finditer(pattern, log)]
    assert len(sent) == len(WORKERS), logs
    # Each worker took half the rate: neither sent everything.
    assert all(0 < one < merged["sent"] for one in sent)
    hdr = HdrHistogram.decode((lab["work"] / "open" / "latency.hdr").read_bytes().strip())
    assert hdr.get_total_count() == merged["sent"] == sum(sent) == 200
    # The schedule ended seconds before the run: every login was answered.
    assert merged["ok"] == merged["sent"] and merged["unfinished"] == 0
    assert _logins_on_target(lab) - before == merged["sent"]


# Around a slow front's 100 logins/s: below it a login takes 40 ms and a little; a 30%
# overload queues 60 logins in a step's 2 s schedule, a p99 past 600 ms, and answers no
# more than 100/s: a clear miss (throughput not following, so the driver does not measure
# it again as a marginal one). Steps of 3 s, not 2: in a 1 s schedule the generators'
# and the relays' new connections weigh on every login, and 90/s came out at a p99 of
# 170 ms instead of 55. The objective is loose enough that a busy machine's scheduling lag
# (up to 200 ms seen here in a step) does not decide a step by itself. The claim is that
# remote workers and local processes agree, not where the search lands within a few
# percent (tests/test_load_open.py judges that): so two clear steps, 10% under the
# capacity (meets) and 30% over it (misses), with a precision wide enough to stop there.
# Both searches then answer 90/s; a generator that offered too little or too much would
# miss 90 or pass 130, and the two would disagree.
CAPACITY = ["--find-capacity", "--slo-p99-ms", "250", "--start-rate", "90",
            "--max-rate", "130", "--step-time", "3", "--precision-pct", "45",
            "--max-steps", "4"]  # fmt: skip
MAX_STEPS = int(CAPACITY[CAPACITY.index("--max-steps") + 1])


@pytest.fixture
def searches(lab) -> Iterator[dict]:
    """Both capacity searches, side by side, each of a slow front of its own.

    Not beside the other tests: on a busy two-core machine their Locust start-ups can hold
    back one local generator process long enough to cut its schedule short, which the search
    rightly reports as an incomplete step.
    """
    work, master = lab["work"], lab["hosts"]["master"]
    workers = _workers(lab, "capacity-remote", SEARCH_PORT, runs=2 * MAX_STEPS)
    remote = _start(master, _master(
        lab, lab["slow_urls"]["remote"], "capacity-remote", SEARCH_PORT, CAPACITY
    ), work / "capacity-remote.log")  # fmt: skip
    local = _start(master, [
        AUTHCONFORM, "load", lab["slow_urls"]["local"], "--credentials", lab["credentials"],
        "--processes", "2", "--report", str(work / "capacity-local"), *CAPACITY,
    ], work / "capacity-local.log")  # fmt: skip
    try:
        yield {"remote": remote, "local": local}
    finally:
        for process in (remote, local, *workers):
            _stop(process)


def _finished(process: subprocess.Popen, log: Path) -> tuple[int, str]:
    process.wait(timeout=RUN_TIMEOUT * 2)
    return process.returncode, log.read_text(errors="replace")


# Stopped, a worker still sends what it saw, for part of the run; killed, it sends nothing
# and the master notices the silence. The two runs go one after the other (side by side, on
# a slow machine, each starved the other's start). Each worker's schedule is 50 logins at
# 10/s: the kill comes 1.5 s after both workers of the run logged their first answer (the
# project's own line, SCHEDULE_RUNS), well inside the 5 s schedule however slow the machine
# (a stopped worker's share then ends under 90 % of the other's), and -t leaves room past it.
LOST_RUN = ["--rate", "20", "--max-logins", "100", "-t", "8s"]
LOST = {
    signal.SIGTERM: ("stopped", "INCOMPLETE: 1 of 2 generator processes stopped early"),
    signal.SIGKILL: ("killed", "INCOMPLETE: 1 of 2 generator processes reported their figures"),
}
KILL_AFTER_S = 1.5


def _lose_a_worker(lab: dict, how: signal.Signals) -> tuple[int, str]:
    """A run whose second worker gets ``how`` mid-schedule: its exit status and log."""
    master, name = lab["hosts"]["master"], f"lost-{how.name}"
    logs = [lab["work"] / f"{name}-{w}.log" for w in WORKERS]
    workers = [
        _start(lab["hosts"][w], [
            AUTHCONFORM, "load", "--worker", "--master-host", master.address,
            "--master-port", str(MASTER_PORT),
        ], log)
        for w, log in zip(WORKERS, logs, strict=True)
    ]  # fmt: skip
    log = lab["work"] / f"{name}-master.log"
    run = _start(master, [
        AUTHCONFORM, "load", lab["url"], "--credentials", lab["credentials"],
        "--expect-workers", "2", "--master-bind-host", master.address,
        "--master-bind-port", str(MASTER_PORT), *LOST_RUN, "--report", str(lab["work"] / name),
    ], log)  # fmt: skip
    try:
        _wait_for_lines(logs, SCHEDULE_RUNS, while_running=run, log=log)
        time.sleep(KILL_AFTER_S)
        os.killpg(workers[1].pid, how)
        run.wait(timeout=RUN_TIMEOUT)
    finally:
        for process in (run, *workers):
            _stop(process)
    return run.returncode, log.read_text(errors="replace")


@pytest.fixture(scope="module")
def lost_runs(lab) -> dict[signal.Signals, tuple[int | None, str]]:
    """For each signal of LOST: a run whose second worker got it; its exit status and log."""
    return {how: _lose_a_worker(lab, how) for how in LOST}


@pytest.mark.parametrize("how", list(LOST), ids=[said[0] for said in LOST.values()])
def test_a_worker_that_disconnects_makes_the_run_incomplete_and_says_so(lost_runs, how):
    code, output = lost_runs[how]
    assert code == 1, output
    assert LOST[how][1] in output, output
    # The lost worker never finished its share: the run went on to -t.
    assert ENDED_ON_THE_COUNT not in output and RUN_TIME_REACHED in output, output


def _wait_for_lines(
    paths: list[Path], text: str, *, while_running: subprocess.Popen, log: Path
) -> None:
    """Until ``text`` shows in every file, looking every tenth second.

    Bounded by the run it belongs to: a run that ends first fails the wait with its log, and
    RUN_TIMEOUT caps a run that hangs.
    """
    deadline = time.monotonic() + RUN_TIMEOUT
    missing = list(paths)
    while missing and while_running.poll() is None and time.monotonic() < deadline:
        missing = [p for p in missing if text not in p.read_text(errors="replace")]
        time.sleep(0.1)
    assert not missing, (
        f"{text!r} never appeared in {[p.name for p in missing]}; the run's log:\n"
        + log.read_text(errors="replace")
    )


@pytest.mark.serial  # judges latency: the searches' steps meet or miss a p99 objective
def test_a_capacity_search_with_remote_workers_matches_one_with_local_processes(lab, searches):
    """The same search of two alike fronts: two remote workers and two local processes agree.

    Each front is slow by design (its capacity set by a fixed service time), so the answer
    does not hang on how busy the shared machine is; the two searches, run side by side,
    must agree to 15%. Holds at half speed: the fronts' capacity is their sleeps, the
    generators use a few percent of a core, and a step leaves its processes seconds to
    start (load/capacity/driver.py, START_SLACK_S), so a late one is not cut short.
    """
    work = lab["work"]
    code, output = _finished(searches["remote"], work / "capacity-remote.log")
    assert code == 0, output
    remote = json.loads((work / "capacity-remote" / "capacity.json").read_text())
    assert remote["generators"] == {"processes": 2, "where": "remote workers"}
    assert "generated by 2 remote workers" in remote["line"]
    assert all(step["processes"] == 2 for step in remote["steps"])
    code, output = _finished(searches["local"], work / "capacity-local.log")
    assert code == 0, output
    found = json.loads((work / "capacity-local" / "capacity.json").read_text())
    assert found["generators"] == {"processes": 2, "where": "local processes"}
    nominal = SLOTS * 1000 / HOLD_MS
    for one in (remote, found):
        assert one["capacity"] and 0.5 * nominal <= one["capacity"] <= 1.15 * nominal, one["line"]
    assert abs(remote["capacity"] - found["capacity"]) <= 0.15 * found["capacity"], (
        remote["line"], found["line"],
    )  # fmt: skip
