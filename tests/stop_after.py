"""A Locust file loaded beside load/locustfile.py: ends a run after a count of requests.

    locust -f load/locustfile.py,tests/stop_after.py --stop-after 20 --stop-rows "POST fib login"

Tests whose claims are about what a run did, not how fast, stop on a count instead of a short
``-t``: a slow machine makes such a run longer, never emptier. ``-t`` stays as the cap that
only a broken run reaches. The master (or the single process) decides: it stops once every
row in ``--stop-rows`` (every endpoint row when none are named) has ``--stop-after``
requests, failures included, and, with workers, once every worker has reported some.
"""

from __future__ import annotations

from collections import Counter

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from load.users.localstats import flush_all

# How often the deciding process looks at its stats; a run ends at most this much later.
POLL_SECONDS = 0.1
SIGN_ROWS = "SIGN"  # the local signing row (load.stats.thresholds), not a request sent

_by_worker: Counter[str] = Counter()


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    """Fires once per process, before parsing."""
    parser.add_argument("--stop-after", type=int, default=0, help="tests: requests per row")
    parser.add_argument(
        "--stop-rows", default="", help="tests: comma-separated 'METHOD name' rows to count"
    )


def reached(environment: Environment) -> bool:
    """True when the rows asked for have their count (and every worker did some of them)."""
    options = environment.parsed_options
    wanted = options.stop_after
    flush_all()  # rows kept in this process (passing requests, signing) reach the stats now
    counts = {
        f"{entry.method} {entry.name}": entry.num_requests
        for entry in environment.stats.entries.values()
        if entry.method != SIGN_ROWS
    }
    names = [name.strip() for name in options.stop_rows.split(",") if name.strip()]
    if names:
        done = all(counts.get(name, 0) >= wanted for name in names)
    else:
        done = sum(counts.values()) >= wanted
    if isinstance(environment.runner, MasterRunner):
        workers = getattr(options, "expect_workers", 1) or 1
        done = done and len(_by_worker) >= workers
    return done


def _watch(environment: Environment) -> None:
    runner = environment.runner
    while not reached(environment):
        gevent.sleep(POLL_SECONDS)
    runner.quit()


def _tally(client_id: str, data: dict, **_kwargs) -> None:
    """Fires on the master for each worker's stats report."""
    sent = sum(e["num_requests"] for e in data.get("stats", ()) if e["method"] != SIGN_ROWS)
    if sent:
        _by_worker[client_id] += sent


@events.test_start.add_listener
def on_test_start(environment: Environment, **_kwargs) -> None:
    """Fires when the run starts; workers leave the decision to their master."""
    runner = environment.runner
    if not environment.parsed_options.stop_after or isinstance(runner, WorkerRunner):
        return
    if isinstance(runner, MasterRunner):
        environment.events.worker_report.add_listener(_tally)
    gevent.spawn(_watch, environment)
