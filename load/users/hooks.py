"""Locust event listeners: the project's command-line options, user selection, thresholds.

Importing this module registers the listeners; ``load/locustfile.py`` does so.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Callable

from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from conformance.errors import AuthconformError
from load.stats.thresholds import SIGN_REQUEST_TYPE, Limits, RowStats, breaches
from load.users import arrival as open_model
from load.users.accounts import load_section_users
from load.users.validate import CHECK_TOKENS_EVERY
from load.users.wire import HTTP_CLIENTS

__all__ = ["select_users"]

logger = logging.getLogger("authconform.load")


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    """Fires once per process, before parsing; the master forwards the values to workers."""
    parser.add_argument(
        "--credentials",
        default="",
        env_var="AUTHCONFORM_CREDENTIALS",
        help="authconform credentials file (JSON) with the accounts to log in with; the same "
        "path must be readable on every worker machine",
    )
    parser.add_argument(
        "--max-fail-ratio",
        type=float,
        default=None,
        help="exit 1 when an endpoint row's failure ratio exceeds this (0..1); "
        "0 when only --max-p95-ms is given",
    )
    parser.add_argument(
        "--max-p95-ms",
        type=float,
        default=None,
        help="exit 1 when an endpoint row's 95th percentile exceeds this many milliseconds",
    )
    parser.add_argument(
        "--user-rate",
        type=float,
        default=0.0,
        help="iterations per second per simulated user (constant throughput); 0 = no pause",
    )
    parser.add_argument(
        "--check-tokens-every",
        type=int,
        default=CHECK_TOKENS_EVERY,
        help="decode the tokens of every N-th good FIB login answer per user and check their "
        "claims (EdDSA, sub, exp, jti, acjti), the first answer included; every answer's "
        f"envelope and token shapes are checked whatever N; 0 = never ({CHECK_TOKENS_EVERY})",
    )
    parser.add_argument(
        "--http-client",
        choices=HTTP_CLIENTS,
        default=HTTP_CLIENTS[0],
        help="lean: authconform's own keep-alive HTTP/1.1 client for http:// targets (https "
        "and URLs with credentials use FastHttpUser's); fasthttp: FastHttpUser's client for "
        "every request (cookies, compression), at about twice the generator CPU per login",
    )
    open_model.add_arguments(parser)


def _fatal(message: str) -> None:
    logger.error(message)
    sys.exit(2)


def _has_tagged_task(user_class, tags: set[str]) -> bool:
    return any(getattr(t, "locust_tag_set", set()) & tags for t in user_class.tasks)


def _section_has_users(path: str, section: str) -> bool:
    try:
        return bool(load_section_users(path, section))
    except AuthconformError as exc:
        _fatal(f"error: {exc}")
    return False


def select_users(environment: Environment) -> None:
    """Drop opt-in users unless picked, and users whose credentials are missing, with a log line.

    Locust runs every class when none is named and refuses a class whose tasks a ``--tags``
    filter removed entirely, so ``--tags session`` alone would fail without this. With
    ``--arrival-rate`` and no class named, the open-model classes run, and only they.
    """
    options = environment.parsed_options
    named = bool(getattr(options, "user_classes", None))
    tags = set(getattr(options, "tags", None) or ())
    arrivals = (getattr(options, "arrival_rate", 0.0) or 0.0) > 0
    kept = []
    for user_class in environment.user_classes:
        name = user_class.__name__
        is_open = getattr(user_class, "open_model", False)
        if is_open and not arrivals:
            if named:
                _fatal(f"error: {name}: needs --arrival-rate (logins per second)")
            continue
        if not named and arrivals and not is_open:
            continue
        if not named and not arrivals:
            if tags and not _has_tagged_task(user_class, tags):
                continue
            if not tags and getattr(user_class, "opt_in", False):
                continue
        section = getattr(user_class, "credentials_section", None)
        path = getattr(options, "credentials", "") or ""
        if section and not (path and _section_has_users(path, section)):
            logger.warning("skipping %s: no %r users (give --credentials FILE)", name, section)
            continue
        kept.append(user_class)
    if not kept:
        _fatal("error: no user class can run: give --credentials with the systems' accounts")
    environment.user_classes[:] = kept
    logger.info("user classes: %s", ", ".join(u.__name__ for u in kept))


@events.init.add_listener
def on_init(environment: Environment, **_kwargs) -> None:
    """Fires on every node; only the master (or local runner) chooses what runs.

    ``run_single_user`` fires it with no runner and picks its one class itself.
    """
    if environment.runner is not None and not isinstance(environment.runner, WorkerRunner):
        select_users(environment)
    if isinstance(environment.runner, MasterRunner):
        environment.events.worker_report.add_listener(_tally_reports(environment.runner))


def endpoint_rows(environment: Environment) -> list[RowStats]:
    return [
        RowStats(
            name=f"{entry.method} {entry.name}",
            requests=entry.num_requests,
            failures=entry.num_failures,
            p95_ms=entry.get_response_time_percentile(0.95) or 0.0,
        )
        for entry in environment.stats.entries.values()
        if entry.method != SIGN_REQUEST_TYPE
    ]


# Master only: endpoint requests each worker reported, by worker index, to show at the end
# that every worker pulled its weight.
_requests_by_worker: Counter[int] = Counter()


def _tally_reports(runner: MasterRunner) -> Callable[..., None]:
    def tally(client_id: str, data: dict, **_kwargs) -> None:
        """Fires on the master for each worker's periodic stats report."""
        _requests_by_worker[runner.get_worker_index(client_id)] += sum(
            entry["num_requests"]
            for entry in data.get("stats", ())
            if entry["method"] != SIGN_REQUEST_TYPE
        )

    return tally


# Enough distinct reasons to diagnose a run without flooding the log.
FAILURE_REASONS_SHOWN = 5


@events.quitting.add_listener
def report_outcome(environment: Environment, **_kwargs) -> None:
    """Fires at exit; on the master (or local runner) logs the per-worker tally and the top
    failure reasons, which Locust leaves out of its output when ``--json-file`` is given."""
    if isinstance(environment.runner, WorkerRunner):
        return
    if _requests_by_worker:
        tally = ", ".join(f"worker {k}: {v}" for k, v in sorted(_requests_by_worker.items()))
        logger.info("endpoint requests by worker: %s", tally)
    errors = sorted(environment.stats.errors.values(), key=lambda e: -e.occurrences)
    for error in errors[:FAILURE_REASONS_SHOWN]:
        logger.warning(
            "failed %d x %s %s: %s", error.occurrences, error.method, error.name, error.error
        )


@events.quitting.add_listener
def apply_thresholds(environment: Environment, **_kwargs) -> None:
    """Fires at exit on every node; worker stats are empty then, so only the master judges."""
    if isinstance(environment.runner, WorkerRunner):
        return
    options = environment.parsed_options
    limits = Limits(
        max_fail_ratio=getattr(options, "max_fail_ratio", None),
        max_p95_ms=getattr(options, "max_p95_ms", None),
    )
    if not limits.active:
        return  # Locust's own rule stands: exit 1 when anything failed.
    found = breaches(endpoint_rows(environment), limits)
    for line in found:
        logger.error("threshold broken: %s", line)
    if not found:
        logger.info("thresholds met")
    environment.process_exit_code = 1 if found else 0
