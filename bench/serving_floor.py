"""What serving costs per login: Granian with nearly no app beside ``serve`` itself.

Each row is a one-worker Granian on core 0, driven by wrk (8 connections, pre-signed FIB
login bodies) on core 1; the figure is the server's CPU time per request. The rows, in
turns for ``--rounds`` rounds (the median is printed):

- RSGI, answer without reading the body; RSGI, read the body, answer; WSGI, read, answer:
  Granian's own cost per request on each interface
- RSGI, read the body, then one login's cryptography inline (the crypto floor): what a
  perfect app on the event loop would cost
- the reference app under Granian's WSGI interface (no bridge: no body deadline)
- ``serve`` (``python -m reference_impl --workers 1``), and with ``--tree NAME=PATH``
  another checkout's ``serve`` under the same Python (its code first on PYTHONPATH)

    .venv/bin/python bench/serving_floor.py --rounds 3 --tree before=/tmp/old-checkout
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from fixtures import prepare, serving  # noqa: E402
from run import ensure_wrk, reference_command, run_wrk  # noqa: E402

GRANIAN = [sys.executable, "-m", "granian", "--workers", "1", "--port", "{port}",
           "--log-level", "warning", "--blocking-threads", "1"]  # fmt: skip
ROWS = {
    "Granian RSGI, no body read": ["--interface", "rsgi", "--factory", "floor_apps:rsgi_empty"],
    "Granian RSGI, body read": ["--interface", "rsgi", "--factory", "floor_apps:rsgi_body"],
    "Granian WSGI, body read": ["--interface", "wsgi", "--factory", "floor_apps:wsgi_body"],
    "Granian RSGI, body read + crypto floor inline": [
        "--interface", "rsgi", "--factory", "floor_apps:rsgi_floor"],
    "reference app, Granian WSGI (no bridge)": [
        "--interface", "wsgi", "--factory", "floor_apps:wsgi_reference"],
}  # fmt: skip


def serve_command(db: Path) -> list[str]:
    """bench/run.py's ``serve``, with -P: the working directory's checkout must not shadow
    the one PYTHONPATH names."""
    python, *rest = reference_command(db, "granian")
    return [python, "-P", *rest]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4, help="per wrk run")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH",
                        help="also measure this checkout's serve")  # fmt: skip
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="authconform-floor-") as tmp:
        work = Path(tmp)
        db, _credentials, bodies = prepare(work)
        env = dict(os.environ, BENCH_DB=str(db), BENCH_BODIES=str(bodies),
                   PYTHONPATH=os.pathsep.join([str(BENCH), str(BENCH.parent)]))  # fmt: skip
        rows = {name: (GRANIAN + extra, env) for name, extra in ROWS.items()}
        rows["serve (this tree)"] = (serve_command(db), dict(env, PYTHONPATH=str(BENCH.parent)))
        for spec in args.tree:
            name, _, path = spec.partition("=")
            rows[f"serve ({name})"] = (serve_command(db), dict(env, PYTHONPATH=path))
        figures: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.rounds):
            for name, (command, row_env) in rows.items():
                with serving(command, work / "server.log", env=row_env) as server:
                    run_wrk(wrk, server, bodies, 1)  # warm
                    per_cpu = run_wrk(wrk, server, bodies, args.seconds)["per_server_cpu_s"]
                figures[name].append(1e6 / per_cpu)
                print(f"{name}: {figures[name][-1]:.0f} us", file=sys.stderr)
    print("| served by | server CPU us per request (median) | rounds |")
    print("|---|---:|---|")
    for name, values in figures.items():
        spread = ", ".join(f"{v:.0f}" for v in values)
        print(f"| {name} | {statistics.median(values):.0f} | {spread} |")


if __name__ == "__main__":
    main()
