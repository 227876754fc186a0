"""Capacity search against wrk: does ``authconform load --find-capacity`` tell the truth?

On a machine with two cores or more, each server is pinned to core 0 and every load
generator to core 1 (``taskset``). Phases, each bounded:

1. saturation  wrk (pre-signed bodies) against the one-core reference server under gunicorn
               (gthread, one worker: slower than one generator core, and keeping connections
               alive as a deployed server does, so neither generator pays a connect per login);
               wrk's own CPU time gives its requests per generator CPU-second
1b. cost       ``authconform load URL --rate`` at 80% of wrk's rate (open model), and Locust's
               closed model (FibLoginUser, 16 users, as fast as the server answers): signed
               logins per generator CPU-second beside wrk's requests, the machine's crypto
               floors (bench/floors.py) beside them, and the generator cores each tool needs
               at capacity
2. capacity    ``authconform load URL --find-capacity --slo-p99-ms 20`` against the same server
3. half        ``authconform load URL --rate C/2``: latency from the intended start at half
               the capacity found
4. fast        ``--find-capacity`` against bench/fast_server.py (canned answers, faster than
               one generator core): it must say that the generator is the limit

Prints the Markdown section docs/benchmarks.md holds and writes it, the raw figures and each
search's report (chart included) under ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from fixtures import LOAD_CORE, PIN, SERVER_CORE, measure_and_report, pinned, prepare, serving  # noqa: E402

CONNECTIONS = 8
SLO_P99_MS = 20.0
# The capacity found should be within this of wrk's saturation throughput (from the issue).
AGREEMENT = 0.15
# Locust's cost per login is measured at this share of wrk's saturation throughput: busy
# enough that its fixed overhead (stats, heartbeats) is a small part, short of a queue.
COST_SHARE = 0.8
# The closed model's users: as bench/run.py's Locust phase.
CLOSED_USERS = 16


SLOW_TARGET = "reference, gunicorn gthread, 1 worker"


def gunicorn_gthread(db: Path) -> list[str]:
    """The reference app, one gunicorn gthread worker (started directly: independent of serve).

    NOTE: a sync worker closes every connection, so each open-model login would cost the
    generator a new TCP connection (about 500 us of its CPU), and its own scheduling would
    show in p99 well before the server saturates.
    """
    return [
        sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:{port}", "--workers", "1",
        "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
        "--chdir", str(ROOT),
        f"reference_impl.app:create_app({str(db)!r})",
    ]  # fmt: skip


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def wrk_saturation(url: str, bodies: Path, seconds: int) -> tuple[float, float]:
    """wrk's requests per second, and the CPU seconds wrk itself used for them."""
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench: wrk is required (Debian/Ubuntu: apt-get install -y wrk)")
    command = pinned(
        LOAD_CORE,
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(BENCH / "wrk_login.lua"),
         url, "--", str(bodies)],
    )  # fmt: skip
    # wrk is the only child waited for in between (taskset execs it): its user + system time.
    before = _children_cpu_s()
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    cpu_s = _children_cpu_s() - before
    if "Non-2xx" in out:
        sys.exit(f"bench: wrk saw non-200 answers:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, total / cpu_s if cpu_s > 0 else 0.0


def authconform_load(*args: str, timeout: float) -> subprocess.CompletedProcess:
    command = pinned(LOAD_CORE, [sys.executable, "-m", "conformance.cli", "load", *args])
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode not in (0, 1):
        sys.exit(f"bench: authconform load {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def closed_cost(url: str, creds: Path, seconds: int) -> dict:
    """Locust's closed model against the server: its CPU per login from bench/cpu_probe.py
    (2 s after the start until the stop: imports and spawning left out)."""
    probe = Path(tempfile.mkstemp(prefix="authconform-probe-", suffix=".json")[1])
    files = f"{ROOT / 'load' / 'locustfile.py'},{BENCH / 'cpu_probe.py'}"
    command = [
        sys.executable, "-m", "locust", "-f", files, "--host", url, "--headless",
        "--only-summary", "--credentials", str(creds), "-u", str(CLOSED_USERS),
        "-r", str(CLOSED_USERS), "-t", f"{seconds + 2}s", "--loglevel", "WARNING",
        "FibLoginUser",
    ]  # fmt: skip
    done = subprocess.run(
        pinned(LOAD_CORE, command), capture_output=True, text=True, timeout=seconds + 60,
        env=dict(os.environ, PROBE_OUT=str(probe)), check=False,
    )  # fmt: skip
    try:
        return json.loads(probe.read_text(encoding="utf-8"))
    except ValueError:
        sys.exit(f"bench: the closed-model run wrote no figures:\n{done.stderr[-2000:]}")
    finally:
        probe.unlink(missing_ok=True)


def floors(bodies: Path) -> dict:
    """The machine's crypto floors per CPU-second, measured on the generator core."""
    command = [sys.executable, str(BENCH / "floors.py"), "--bodies", str(bodies)]
    done = subprocess.run(
        pinned(LOAD_CORE, command), capture_output=True, text=True, timeout=60, check=True,
        cwd=BENCH,
    )  # fmt: skip
    return json.loads(done.stdout)


def find_capacity(url: str, creds: Path, pid: int, out: Path, step_time: int) -> dict:
    authconform_load(
        url, "--credentials", str(creds), "--find-capacity", "--slo-p99-ms", f"{SLO_P99_MS:g}",
        "--server-pid", str(pid), "--step-time", str(step_time), "--report", str(out),
        timeout=300,
    )  # fmt: skip
    return json.loads((out / "capacity.json").read_text(encoding="utf-8"))


def at_rate(url: str, creds: Path, rate: float, seconds: int, out: Path) -> dict:
    authconform_load(
        url, "--credentials", str(creds), "--rate", f"{rate:.0f}", "-t", f"{seconds}s",
        "--report", str(out), timeout=seconds + 120,
    )  # fmt: skip
    latency = json.loads((out / "latency.json").read_text(encoding="utf-8"))
    from load.stats.openreport import locust_percentiles

    latency["locust_ms"] = locust_percentiles(out / "stats.json", "fib login")
    return latency


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    db, creds, bodies = prepare(workdir)
    results: dict = {"loadavg_before": os.getloadavg()[0], "pinned": PIN}
    print("phase 0: crypto floors (in-process, generator core) ...", file=sys.stderr)
    results["floors"] = floors(bodies)
    with serving(gunicorn_gthread(db), workdir / "gunicorn.log") as (url, pid):
        print("phase 1: wrk saturation (gunicorn gthread) ...", file=sys.stderr)
        results["wrk_rps"], results["wrk_per_cpu_s"] = wrk_saturation(
            url, bodies, args.wrk_seconds
        )
        print("phase 1b: generator cost (Locust at 80% of wrk's rate) ...", file=sys.stderr)
        results["cost"] = at_rate(
            url, creds, COST_SHARE * results["wrk_rps"], args.half_seconds, args.out / "cost"
        )
        print("phase 1c: generator cost, closed model ...", file=sys.stderr)
        results["closed"] = closed_cost(url, creds, args.half_seconds)
        if args.cost_only:
            results["slow"] = {"capacity": None, "line": "not searched (--cost-only)"}
            results["loadavg_after"] = os.getloadavg()[0]
            return results
        print("phase 2: --find-capacity (gunicorn gthread) ...", file=sys.stderr)
        results["slow"] = find_capacity(url, creds, pid, args.out / "slow", args.step_time)
        capacity = results["slow"]["capacity"]
        if capacity:
            print("phase 3: half capacity ...", file=sys.stderr)
            results["half"] = at_rate(
                url, creds, capacity / 2, args.half_seconds, args.out / "half"
            )
    if not args.skip_fast:
        fast = [sys.executable, str(BENCH / "fast_server.py"), "--port", "{port}"]
        with serving(fast, workdir / "fast.log") as (url, pid):
            print("phase 4: --find-capacity (canned fast server) ...", file=sys.stderr)
            results["fast"] = find_capacity(url, creds, pid, args.out / "fast", args.step_time)
    results["loadavg_after"] = os.getloadavg()[0]
    return results


def generator_cost(results: dict) -> list[str]:
    """Rows: signed logins per generator CPU-second for Locust, open and closed model,
    beside wrk's requests (pre-signed bodies) and the crypto floors, and the generator
    cores each needs at the target's capacity."""
    cost, per_wrk = results.get("cost"), results.get("wrk_per_cpu_s")
    if not cost or not cost["sent"] or not per_wrk:
        return []
    cpu_s = sum(cost["generator_cpu"]) * cost["window_s"]
    per_open = cost["sent"] / cpu_s if cpu_s else 0.0
    closed = results.get("closed") or {}
    per_closed = closed["logins"] / closed["cpu_s"] if closed.get("cpu_s") else 0.0
    slow = results["slow"]
    rate = slow["capacity"] or results["wrk_rps"]
    which = "the capacity found" if slow["capacity"] else "wrk's saturation throughput"
    rows = [
        f"| {SLOW_TARGET} | Locust, open model: signed logins per generator CPU-second "
        f"(--rate {cost['offered_rate']:,.0f}, {cost['sent']:,} logins) | {per_open:,.0f} |",
    ]
    if per_closed:
        rows.append(
            f"| {SLOW_TARGET} | Locust, closed model: signed logins per generator CPU-second "
            f"({CLOSED_USERS} users, {closed['logins']:,} logins, generator CPU "
            f"{closed['cpu_s'] / closed['wall_s']:.0%}) | {per_closed:,.0f} |"
        )
    rows += [
        f"| {SLOW_TARGET} | wrk: requests per generator CPU-second (pre-signed bodies, "
        f"flat out) | {per_wrk:,.0f} |",
        f"| | Locust / wrk per generator CPU-second: open / closed model | "
        f"{per_open / per_wrk:.2f} / {per_closed / per_wrk:.2f} |",
    ]
    floor = results.get("floors")
    if floor:
        rows.append(
            f"| | crypto floors per CPU-second: client (one signature of the hashed email) / "
            f"server (a verify + 2 token signatures) | {floor['client']:,.0f} / "
            f"{floor['server']:,.0f} |"
        )
    if per_open:
        rows.append(
            f"| {SLOW_TARGET} | generator cores needed at {rate:,.0f}/s ({which}): Locust "
            f"(open) / wrk | {rate / per_open:.2f} / {rate / per_wrk:.2f} |"
        )
    return rows


def report(results: dict, command: str) -> str:
    slow = results["slow"]
    wrk = results["wrk_rps"]
    lines = [
        f"Date: {results['date']}  ",
        f"Command: `{command}`  ",
        f"Load average (1 min) before/after: {results['loadavg_before']:.2f} / "
        f"{results['loadavg_after']:.2f}  ",
        f"Pinning: servers on core {SERVER_CORE}, generators on core {LOAD_CORE}"
        if results["pinned"]
        else "Pinning: none (fewer than two cores)",
        "",
        "| target | what | figure |",
        "|---|---|---:|",
        f"| {SLOW_TARGET} | wrk saturation throughput | {wrk:,.0f}/s |",
    ]
    if slow["capacity"] and not slow["generator_limited"]:
        ratio = slow["capacity"] / wrk
        ok = "yes" if ratio >= 1 - AGREEMENT else "**no**"
        lines.append(
            f"| {SLOW_TARGET} | `--find-capacity --slo-p99-ms "
            f"{SLO_P99_MS:g}` (p99 {slow['capacity_p99_ms']:.1f} ms) | "
            f"{slow['capacity']:,.0f}/s |"
        )
        lines.append(
            f"| | capacity / wrk saturation (goal >= {1 - AGREEMENT:.2f}: {ok}) | {ratio:.2f} |"
        )
    else:
        lines.append(f"| {SLOW_TARGET} | `--find-capacity` | {slow['line']} |")
    lines += generator_cost(results)
    if slow.get("knee"):
        lines.append(f"| | knee: throughput stopped at | {slow['knee']['saturates_at']:,.0f}/s |")
    half = results.get("half")
    if half:
        c, own = half["corrected_ms"], half["locust_ms"]
        lines.append(
            f"| {SLOW_TARGET} | at half capacity "
            f"({half['offered_rate']:,.0f}/s): p50 / p99 from the intended start "
            f"(Locust's own p99) | {c['p50']:.1f} / {c['p99']:.1f} ms ({own.get('p99', 0):g} ms) |"
        )
    fast = results.get("fast")
    if fast:
        if fast["generator_limited"]:
            verdict = "the generator is the limit"
        else:  # a figure here would be the generator's (or a busy machine's), not the server's
            verdict = "**a capacity**" if fast["capacity"] else "**no capacity**"
        lines.append(
            f"| canned answers (bench/fast_server.py) | `--find-capacity` says | {verdict} |"
        )
    lines += ["", f"Slow target: {slow['line']}"]
    if fast:
        lines.append(f"Fast target: {fast['line']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "capacity")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="wrk run (10)")
    parser.add_argument("--step-time", type=int, default=5, help="per capacity step (5)")
    parser.add_argument("--half-seconds", type=int, default=10, help="half-capacity run (10)")
    parser.add_argument("--skip-fast", action="store_true", help="leave out phase 4")
    parser.add_argument(
        "--cost-only",
        action="store_true",
        help="phases 0, 1, 1b and 1c only: the generator cost, no capacity search",
    )
    args = parser.parse_args()
    measure_and_report(
        args, measure, report, script="bench/capacity.py", also="each search's chart"
    )


if __name__ == "__main__":
    main()
