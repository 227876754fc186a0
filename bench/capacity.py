"""Capacity search against wrk: does ``authconform load --find-capacity`` tell the truth?

On a machine with two cores or more, each server is pinned to core 0 and every load
generator to core 1 (``taskset``). Phases, each bounded:

1. saturation  wrk (pre-signed bodies) against the one-core reference server under gunicorn
               (gthread, one worker: slower than one generator core, and keeping connections
               alive as a deployed server does, so neither generator pays a connect per login)
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
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from fixtures import LOAD_CORE, PIN, SERVER_CORE, measure_and_report, pinned, prepare, serving  # noqa: E402

CONNECTIONS = 8
SLO_P99_MS = 20.0
# The capacity found should be within this of wrk's saturation throughput (from the issue).
AGREEMENT = 0.15


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


def wrk_saturation(url: str, bodies: Path, seconds: int) -> float:
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench: wrk is required (Debian/Ubuntu: apt-get install -y wrk)")
    command = pinned(
        LOAD_CORE,
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(BENCH / "wrk_login.lua"),
         url, "--", str(bodies)],
    )  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    if "Non-2xx" in out:
        sys.exit(f"bench: wrk saw non-200 answers:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def authconform_load(*args: str, timeout: float) -> subprocess.CompletedProcess:
    command = pinned(LOAD_CORE, [sys.executable, "-m", "conformance.cli", "load", *args])
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode not in (0, 1):
        sys.exit(f"bench: authconform load {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


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
    with serving(gunicorn_gthread(db), workdir / "gunicorn.log") as (url, pid):
        print("phase 1: wrk saturation (gunicorn gthread) ...", file=sys.stderr)
        results["wrk_rps"] = wrk_saturation(url, bodies, args.wrk_seconds)
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
    args = parser.parse_args()
    measure_and_report(
        args, measure, report, script="bench/capacity.py", also="each search's chart"
    )


if __name__ == "__main__":
    main()
