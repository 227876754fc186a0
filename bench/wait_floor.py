"""Against a server it waits for, how far is Locust from the least a Python generator costs?

    python bench/wait_floor.py --rounds 3

The reference app under gunicorn gthread (bench/capacity.py's target) on core 0; on core 1,
in turns each round: wrk flat out (pre-signed bodies), bench/min_client.py (16 greenlets
that only sign, send, wait, read and check the tokens) and Locust's closed model
(16 FibLoginUsers, load/locustfile.py with bench/cpu_probe.py). Each figure is logins (or
wrk's requests) per CPU-second of the generator; the ratios are taken within each round
and their medians printed (docs/benchmarks.md, "A generator that waits").
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from capacity import gunicorn_gthread, wrk_saturation  # noqa: E402
from fixtures import LOAD_CORE, measure_and_report, pinned, prepare, serving  # noqa: E402
from generator import locust_run  # noqa: E402

USERS = 16


def minimal(url: str, creds: Path, seconds: int) -> float:
    command = [sys.executable, str(BENCH / "min_client.py"), url, str(creds),
               "--users", str(USERS), "--seconds", str(seconds)]  # fmt: skip
    done = subprocess.run(pinned(LOAD_CORE, command), capture_output=True, text=True,
                          timeout=seconds + 60, check=True)  # fmt: skip
    figures = json.loads(done.stdout)
    return figures["logins"] / figures["cpu_s"]


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    db, creds, bodies = prepare(workdir)
    rounds: list[dict[str, float]] = []
    with serving(gunicorn_gthread(db), workdir / "server.log") as (url, _pid):
        for turn in range(args.rounds):
            _, wrk = wrk_saturation(url, bodies, args.seconds)
            floor = minimal(url, creds, args.seconds)
            options = argparse.Namespace(seconds=args.seconds, users=USERS)
            run = locust_run(ROOT, url, creds, "closed", options, workdir / f"closed-{turn}.json")
            locust = 1e6 / run["us_per_login"]
            rounds.append({"wrk": wrk, "minimal": floor, "locust": locust})
            print(f"round {turn + 1}: {rounds[-1]}", file=sys.stderr)
    return {"rounds": rounds}


def report(results: dict, command: str) -> str:
    rounds = results["rounds"]

    def median(key) -> float:
        return statistics.median(key(r) for r in rounds)

    lines = [
        f"Date: {results['date']}  ", f"Command: `{command}`", "",
        "| per generator CPU-second (median of rounds) | figure |", "|---|---:|",
        f"| wrk, requests (pre-signed bodies) | {median(lambda r: r['wrk']):,.0f} |",
        f"| minimal gevent client, signed logins | {median(lambda r: r['minimal']):,.0f} |",
        f"| Locust closed model, signed logins | {median(lambda r: r['locust']):,.0f} |",
        f"| minimal / wrk | {median(lambda r: r['minimal'] / r['wrk']):.2f} |",
        f"| Locust / wrk | {median(lambda r: r['locust'] / r['wrk']):.2f} |",
        f"| Locust / minimal | {median(lambda r: r['locust'] / r['minimal']):.2f} |",
        "", f"Rounds: {len(rounds)}, {USERS} connections each.",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8, help="per run (8)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "wait_floor")
    measure_and_report(parser.parse_args(), measure, report, script="bench/wait_floor.py",
                       also="the report")  # fmt: skip


if __name__ == "__main__":
    main()
