"""``authconform load --find-capacity``: step the arrival rate to the highest that meets the SLO.

Each step is one bounded open-model Locust run (``load.process.locust.locust_command`` with
``--rate``) in a child process; ``load.capacity.search`` judges it and picks the next rate. The
answer, the knee and a chart go to the console and to ``--report``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

from conformance.errors import UsageError
from load.capacity.chart import write_chart
from load.capacity.search import (
    BUSY_CPU,
    Limits,
    Step,
    Verdict,
    judge,
    knee,
    next_rate,
    processes_needed,
)
from load.process.cpu import cpu_seconds as server_cpu_seconds
from load.process.locust import clear_outputs, locust_command
from load.stats.openreport import incomplete

__all__ = ["find_capacity"]

# The whole search stops starting steps past this (the bound is three minutes).
SEARCH_SECONDS = 170.0
# Locust's start and stop around each step, a generous upper bound for planning.
STEP_OVERHEAD_S = 4.0
DRAIN_S = 1.0
# Room in each step's -t for a generator process that starts late: Locust spawns the users at
# -r a second, and a remote worker starts a new process for each step, which a slow or busy
# machine can hold back by seconds. Spent only when needed: a step whose processes all keep
# their schedule ends on the arrival limit's count, once every answer is in.
START_SLACK_S = 3
# A miss with throughput still following and p99 within this factor of the SLO is measured
# once more before it counts.
MARGINAL_MISS = 2.0


class StepIncomplete(Exception):
    """A step whose figures miss some generator's share (a worker disconnected)."""


SINGULAR = {"remote workers": "remote worker", "local processes": "local process"}


def generators(args: argparse.Namespace) -> tuple[int, str]:
    """(generator processes, where they run) for this search."""
    if getattr(args, "expect_workers", None):
        return args.expect_workers, "remote workers"
    return max(1, args.processes or 1), "local processes"


def _step_args(args: argparse.Namespace, rate: float) -> argparse.Namespace:
    # Locust takes whole seconds. The schedule ends DRAIN_S before its run would, so the last
    # logins get their answers (one still unanswered at -t counts as failed); START_SLACK_S
    # more keep a process that started late from being cut short.
    seconds = max(2, round(min(args.step_time, args.step_requests / rate + DRAIN_S)))
    limit = max(1, min(args.step_requests, math.floor(rate * (seconds - DRAIN_S))))
    return argparse.Namespace(
        **vars(args)
        | {
            "rate": rate,
            "run_time": f"{seconds + START_SLACK_S}s",
            "arrival_limit": limit,
            "max_fail_ratio": None,
            "max_p95_ms": None,
            "tags": None,
        }
    )


def run_step(
    args: argparse.Namespace, url: str, credentials: str | None, rate: float, out: Path,
    server_pid: int | None,
) -> Step:  # fmt: skip
    """One bounded open-model run at ``rate``; its figures as a Step."""
    out.mkdir(parents=True, exist_ok=True)
    step_args = _step_args(args, rate)
    command = locust_command(step_args, url, credentials, report=out)
    seconds = float(step_args.run_time.rstrip("s"))
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    with (out / "locust.log").open("wb") as log:
        done = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 60, check=False
        )
    cpu_after = server_cpu_seconds(server_pid) if server_pid else None
    latency = out / "latency.json"
    if done.returncode not in (0, 1) or not latency.exists():
        tail = (out / "locust.log").read_text(errors="replace").strip().splitlines()[-3:]
        raise UsageError("locust", f"step at {rate:g}/s failed: {' | '.join(tail)}")
    s = json.loads(latency.read_text(encoding="utf-8"))
    lost = incomplete(s, generators(args)[0])
    if lost:
        raise StepIncomplete(f"step at {rate:,.0f}/s incomplete: {lost}")
    server_cpu = None
    if cpu_before is not None and cpu_after is not None and s["window_s"] > 0:
        # Over the schedule's window: the server idles while Locust starts and stops.
        server_cpu = (cpu_after - cpu_before) / s["window_s"]
    generator_cpu_s = sum(s["generator_cpu"]) * s["window_s"]
    return Step(
        offered=rate,
        achieved=s["achieved_rate"],
        p50_ms=s["corrected_ms"]["p50"],
        p99_ms=s["corrected_ms"]["p99"],
        due=s["due"],
        sent=s["sent"],
        failed=s["failed"],
        unfinished=s["unfinished"],
        lag_p99_ms=s["send_lag_ms"]["p99"],
        generator_cpu=max(s["generator_cpu"] or [0.0]),
        generator_cpu_s_per_login=generator_cpu_s / s["sent"] if s["sent"] else 0.0,
        processes=max(1, s["processes"]),
        server_cpu=server_cpu,
    )


def _step_once(
    args: argparse.Namespace, url: str, credentials: str | None, rate: float, report: Path,
    done: int, server_pid: int | None,
) -> tuple[Step, Verdict]:  # fmt: skip
    out = report / "steps" / f"{done + 1:02d}-{rate:.0f}"
    step = run_step(args, url, credentials, rate, out, server_pid)
    return step, judge(step, Limits(args.slo_p99_ms, args.max_fail_ratio or 0.0))


def _second_look(step: Step, verdict: Verdict, limits: Limits) -> str | None:
    """Why a miss deserves one more measurement (the second one counts), or None.

    On a shared machine a moment's contention can starve the generator, or put a few
    slow answers into a short step's p99; a server past its limit misses by far more.
    """
    if verdict.generator_limited and step.generator_cpu < BUSY_CPU:
        return "generator starved"
    marginal = step.follows and step.p99_ms <= MARGINAL_MISS * limits.slo_p99_ms
    if not verdict.passed and not verdict.generator_limited and marginal:
        return "marginal miss"
    return None


def _progress(n: int, step: Step, verdict: Verdict) -> str:
    mark = "ok  " if verdict.passed else "MISS"
    return (
        f"step {n:>2} {mark} offered {step.offered:>8.0f}/s  achieved {step.achieved:>8.0f}/s  "
        f"p50 {step.p50_ms:>8.1f} ms  p99 {step.p99_ms:>8.1f} ms  failed "
        f"{100 * step.fail_ratio:5.1f}%  generator CPU {100 * step.generator_cpu:3.0f}%"
        + ("" if step.server_cpu is None else f"  server CPU {100 * step.server_cpu:3.0f}%")
        + f"  {verdict.reason}"
    )


def _table(steps: list[tuple[Step, Verdict]]) -> str:
    head = "| offered/s | achieved/s | p50 ms | p99 ms | failed | start lag p99 ms | verdict |"
    lines = [head, "|---:|---:|---:|---:|---:|---:|---|"]
    for step, verdict in sorted(steps, key=lambda sv: sv[0].offered):
        lines.append(
            f"| {step.offered:,.0f} | {step.achieved:,.0f} | {step.p50_ms:.1f} | "
            f"{step.p99_ms:.1f} | {100 * step.fail_ratio:.2f}% | {step.lag_p99_ms:.1f} | "
            f"{verdict.reason} |"
        )
    return "\n".join(lines)


def answer(steps: list[tuple[Step, Verdict]], limits: Limits, max_rate: float) -> dict:
    """The search's outcome: capacity (or None), knee, whether the generator was the limit."""
    passed = [s for s, v in steps if v.passed]
    generator = sorted((s for s, v in steps if v.generator_limited), key=lambda s: s.offered)
    missed = sorted((s for s, v in steps if not v.passed and not v.generator_limited),
                    key=lambda s: s.offered)  # fmt: skip
    best = max(passed, key=lambda s: s.offered) if passed else None
    # At and above a rate the generator could not keep, throughput says nothing of the server.
    judged = [s for s, _ in steps if not generator or s.offered < generator[0].offered]
    found = knee(judged)
    result: dict = {
        "slo_p99_ms": limits.slo_p99_ms,
        "max_fail_ratio": limits.max_fail_ratio,
        "capacity": best.offered if best else None,
        "capacity_p99_ms": best.p99_ms if best else None,
        "knee": {"follows_up_to": found[0], "saturates_at": found[1]} if found else None,
        "generator_limited": False,
    }
    slo = f"p99 <= {limits.slo_p99_ms:g} ms, failures <= {limits.max_fail_ratio:g}"
    if generator and (not missed or generator[0].offered < missed[0].offered):
        g = generator[0]
        target = g.achieved / g.server_cpu if g.server_cpu else 2 * g.offered
        need = processes_needed(g, target)
        result |= {"generator_limited": True, "generator_processes_needed": need}
        lower = f"at least {best.offered:,.0f} logins/s ({slo})" if best else "not measured"
        where = (
            f"server CPU {100 * g.server_cpu:.0f}% of a core"
            if g.server_cpu is not None
            else "the server answered what was sent"
        )
        if g.generator_cpu >= BUSY_CPU:
            advice = (
                f"this target needs about {need} generator processes (--processes {need}, "
                "or more machines) to be measured"
            )
        else:
            # Starved, not saturated: more processes on the same busy cores would not help.
            result["generator_processes_needed"] = None
            advice = "the machine is too busy to keep the schedule: rerun on free cores"
        result["line"] = (
            f"capacity: {lower}; the generator is the limit from {g.offered:,.0f}/s "
            f"(its CPU {100 * g.generator_cpu:.0f}%, {where}): {advice}"
        )
    elif best is None:
        low = min((s for s, _ in steps), key=lambda s: s.offered)
        result["line"] = f"capacity: none: even {low.offered:,.0f} logins/s misses {slo}"
    elif not missed and best.offered >= max_rate:
        result["line"] = f"capacity: at least {best.offered:,.0f} logins/s ({slo}; --max-rate)"
    else:
        result["line"] = (
            f"capacity: {best.offered:,.0f} logins/s with {slo} (measured p99 {best.p99_ms:.1f} ms)"
        )
    return result


def _knee_line(result: dict) -> str:
    k = result["knee"]
    if not k:
        return "knee: not reached (throughput followed every offered rate)"
    return (
        f"knee: throughput followed the offered rate up to {k['follows_up_to']:,.0f}/s and "
        f"stopped at {k['saturates_at']:,.0f}/s (the server's saturation throughput)"
    )


def find_capacity(
    args: argparse.Namespace, url: str, credentials: str | None, *, server_pid: int | None
) -> int:
    """Run the search; exit status 0, or 1 when even the lowest step misses the SLO."""
    limits = Limits(args.slo_p99_ms, args.max_fail_ratio or 0.0)
    report = Path(args.report)
    report.mkdir(parents=True, exist_ok=True)
    clear_outputs(report)
    steps: list[tuple[Step, Verdict]] = []
    incomplete: str | None = None
    count, where = generators(args)
    deadline = time.monotonic() + SEARCH_SECONDS
    print(
        f"finding capacity: p99 <= {limits.slo_p99_ms:g} ms, failures <= "
        f"{limits.max_fail_ratio:g}; steps of {args.step_time:g} s or {args.step_requests} "
        f"logins, from {args.start_rate:g}/s",
        flush=True,
    )
    while len(steps) < args.max_steps:
        passed = [s.offered for s, v in steps if v.passed]
        # A rate the generator could not keep bounds the search like a miss: nothing at or
        # above it can be judged, but the server may still saturate below it.
        failed = [s.offered for s, v in steps if not v.passed]
        rate = next_rate(
            passed, failed, start=args.start_rate, max_rate=args.max_rate,
            precision=1 + args.precision_pct / 100,
        )  # fmt: skip
        if rate is None:
            break
        if time.monotonic() + args.step_time + STEP_OVERHEAD_S > deadline:
            print(f"time budget of {SEARCH_SECONDS:g} s reached: stopping the search", flush=True)
            break
        try:
            step, verdict = _step_once(args, url, credentials, rate, report, len(steps), server_pid)
            again = _second_look(step, verdict, limits)
            if again:
                print(_progress(len(steps) + 1, step, verdict) + f" ({again}: again)", flush=True)
                step, verdict = _step_once(
                    args, url, credentials, rate, report, len(steps), server_pid
                )
        except StepIncomplete as exc:
            # Its figures lack a worker's logins: judged, they would flatter or wrong the
            # server. The search ends on what the complete steps showed.
            incomplete = str(exc)
            print(f"INCOMPLETE: {incomplete}; the search stops here", flush=True)
            break
        steps.append((step, verdict))
        print(_progress(len(steps), step, verdict), flush=True)
    if not steps:
        raise UsageError("--find-capacity", incomplete or "no step was measured")
    result = answer(steps, limits, args.max_rate)
    result["generators"] = {"processes": count, "where": where}
    if not result["generator_limited"]:
        busiest = max(s.generator_cpu for s, _ in steps)
        result["line"] += (
            f"; generated by {count} {where if count > 1 else SINGULAR[where]}"
            f" (the busiest at {100 * busiest:.0f}% of a core)"
        )
    if incomplete:
        result["incomplete"] = incomplete
        result["line"] = f"{result['line']} [search ended early: {incomplete}]"
    result["steps"] = [asdict(s) | {"verdict": asdict(v)} for s, v in steps]
    (report / "capacity.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = _table(steps)
    (report / "capacity.md").write_text(
        "\n".join([table, "", result["line"], _knee_line(result)]) + "\n", encoding="utf-8"
    )
    write_chart(report, result)
    print(table)
    print(_knee_line(result))
    print(result["line"])
    print(f"reports: {report.resolve()}/ (capacity.html, capacity.svg, capacity.json, steps/)")
    if incomplete:
        return 1
    return 1 if result["capacity"] is None and not result["generator_limited"] else 0
