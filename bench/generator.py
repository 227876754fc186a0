"""Where a load generator's login goes: generator CPU per signed FIB login, by part.

Two measurements, the server on core 0 (bench/fast_server.py's canned answers, faster than
one generator core; or, with ``--server gthread``, the reference app under gunicorn as
bench/capacity.py serves it) and the generator on core 1:

1. parts    in one process on the generator core, each part of a login timed alone
            (CPU us per call): signing, the SIGN row, the body, the HTTP exchange, the
            answer check, the open model's start of a login; the way the older checkout did each
            beside the way this tree does it
2. runs     Locust (load/locustfile.py + bench/cpu_probe.py) against the same server:
            CPU per login between 2 s after the start and the stop, closed model
            (-u USERS) and open model (--arrival-rate RATE); with ``--before TREE`` the
            same runs of another checkout's locustfile with its own venv, in turns

    python bench/generator.py --before ../before-checkout --rounds 3

Prints a Markdown report (docs/benchmarks.md, "Where a generator's login goes").
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from capacity import gunicorn_gthread  # noqa: E402
from fixtures import LOAD_CORE, pinned, prepare, serving  # noqa: E402

USERS = 16
RATE = 3000.0


def locust_run(tree: Path, url: str, creds: Path, model: str, args, out: Path) -> dict:
    """One Locust run of ``tree``'s locustfile with the probe; its window's figures."""
    python = tree / ".venv" / "bin" / "python"
    files = f"{tree / 'load' / 'locustfile.py'},{BENCH / 'cpu_probe.py'}"
    command = [
        str(python), "-m", "locust", "-f", files, "--host", url, "--headless",
        "--only-summary", "--credentials", str(creds), "-t", f"{args.seconds}s",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    if model == "closed":
        command += ["-u", str(args.users), "-r", str(args.users), "FibLoginUser"]
    else:
        command += ["-u", "1", "-r", "1", "--arrival-rate", f"{args.rate:g}", "FibArrivalUser"]
        command += ["--latency-file", str(out.with_suffix(""))]
    probe = out.with_suffix(".probe.json")
    env = dict(os.environ, PROBE_OUT=str(probe))
    subprocess.run(
        pinned(LOAD_CORE, command), capture_output=True, text=True, timeout=args.seconds + 60,
        env=env, cwd=tree, check=False,
    )  # fmt: skip
    figures = json.loads(probe.read_text(encoding="utf-8"))
    figures["us_per_login"] = 1e6 * figures["cpu_s"] / max(1, figures["logins"])
    figures["cpu_share"] = figures["cpu_s"] / figures["wall_s"]
    figures["system_share"] = figures["system_s"] / max(figures["cpu_s"], 1e-9)
    return figures


def runs(args, url: str, creds: Path, workdir: Path) -> dict:
    trees = {"this tree": ROOT}
    if args.before:
        trees = {"before": Path(args.before), **trees}
    found: dict = {model: {name: [] for name in trees} for model in ("closed", "open")}
    for turn in range(args.rounds):
        for model in ("closed", "open"):
            for name, tree in trees.items():
                out = workdir / f"{model}-{name.replace(' ', '-')}-{turn}.json"
                figures = locust_run(tree, url, creds, model, args, out)
                print(f"{model} {name}: {figures}", file=sys.stderr)
                found[model][name].append(figures)
    return found


def parts(args, creds: Path, url: str) -> dict:
    """bench/generator_parts.py pinned to the generator core (it imports Locust)."""
    command = [
        sys.executable, str(BENCH / "generator_parts.py"), "--credentials", str(creds),
        "--url", url, "--seconds", str(args.part_seconds),
    ]  # fmt: skip
    done = subprocess.run(
        pinned(LOAD_CORE, command), capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(done.stdout)


def report(results: dict, command: str) -> str:
    lines = [
        f"Date: {results['date']}  ",
        f"Command: `{command}`  ",
        f"Load average (1 min) before/after: {results['loadavg'][0]:.2f} / "
        f"{results['loadavg'][1]:.2f}",
        "",
    ]
    lines += ["| part of one login | before (the older way) | after | saved |",
              "|---|---:|---:|---:|"]
    for name, (before, after) in results["parts"].items():
        lines.append(f"| {name} | {before:.1f} us | {after:.1f} us | {before - after:.1f} us |")
    lines += ["", "| model | tree | CPU us per login (median) | logins per generator "
              "CPU-second | generator CPU share | kernel share of it | runs |",
              "|---|---|---:|---:|---:|---:|---:|"]
    medians: dict = {}
    for model, trees in results["runs"].items():
        for name, figures in trees.items():
            us = statistics.median(f["us_per_login"] for f in figures)
            share = statistics.median(f["cpu_share"] for f in figures)
            kernel = statistics.median(f["system_share"] for f in figures)
            medians[(model, name)] = us
            lines.append(f"| {model} | {name} | {us:.0f} | {1e6 / us:,.0f} | {share:.2f} | "
                         f"{kernel:.2f} | {len(figures)} |")
    for model in results["runs"]:
        if (model, "before") in medians:
            ratio = medians[(model, "before")] / medians[(model, "this tree")]
            lines.append(f"| {model} | after / before | | {ratio:.2f}x | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--before", help="another checkout (with its .venv) to compare with")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each run (2)")
    parser.add_argument("--seconds", type=int, default=8, help="per Locust run (8)")
    parser.add_argument("--users", type=int, default=USERS, help=f"closed model (-u {USERS})")
    parser.add_argument("--rate", type=float, default=RATE, help=f"open model ({RATE:g}/s)")
    parser.add_argument("--part-seconds", type=float, default=0.5, help="per part (0.5)")
    parser.add_argument("--skip-parts", action="store_true")
    parser.add_argument(
        "--server", choices=("fast", "gthread"), default="fast", help="the target (fast)"
    )
    args = parser.parse_args()
    results: dict = {"loadavg": [os.getloadavg()[0]]}
    with tempfile.TemporaryDirectory(prefix="authconform-gen-") as tmp:
        workdir = Path(tmp)
        db, creds, _ = prepare(workdir)
        fast = [sys.executable, str(BENCH / "fast_server.py"), "--port", "{port}"]
        server = fast if args.server == "fast" else gunicorn_gthread(db)
        with serving(server, workdir / "server.log") as (url, _pid):
            results["parts"] = {} if args.skip_parts else parts(args, creds, url)
            results["runs"] = runs(args, url, creds, workdir)
    results["loadavg"].append(os.getloadavg()[0])
    results["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f"python bench/generator.py {' '.join(sys.argv[1:])}".strip()
    print(report(results, command))


if __name__ == "__main__":
    main()
