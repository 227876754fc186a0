"""Client-side rows (``load.stats.localrow``) merged into Locust's stats, so every report,
a worker's to its master included, has them as if each timing had been a request event.

Batches go in once per second as the row records, before each worker report, and when the
run stops.
"""

from __future__ import annotations

from locust import events
from locust.env import Environment
from locust.stats import RequestStats, StatsEntry

from load.stats.localrow import Batch, LocalRow

__all__ = ["local_row", "only_locust_listens"]

# Locust's runner logs each request event in its stats with this listener (locust.runners).
_RUNNER_LISTENER = "Runner.__init__.<locals>.on_request"

_rows: dict[tuple[int, str, str], LocalRow] = {}


def local_row(environment: Environment, method: str, name: str) -> LocalRow:
    """This process's row ``method name`` (one per environment, shared by its users)."""
    key = (id(environment.stats), method, name)
    row = _rows.get(key)
    if row is None:
        stats = environment.stats
        stats.get(name, method)  # listed from the start, as a request row would be once used

        def take(batch: Batch) -> None:
            _merge(stats, method, name, batch)

        row = _rows[key] = LocalRow(take)
    return row


def only_locust_listens(environment: Environment) -> bool:
    """True when the runner's stats are all that hears request events: a passing request
    may then go to a local row instead. Any other listener (a user's own, Locust's debug
    runner, a Locust that changed its listener) keeps one event per request."""
    handlers = getattr(environment.events.request, "_handlers", None)
    if not handlers:
        return False
    return all(getattr(h, "__qualname__", "") == _RUNNER_LISTENER for h in handlers)


def _merge(stats: RequestStats, method: str, name: str, batch: Batch) -> None:
    entry = StatsEntry.unserialize({"name": name, "method": method, **batch}, stats)  # type: ignore[typeddict-item]
    stats.get(name, method).extend(entry)
    stats.total.extend(entry)


def flush_all(**_kwargs) -> None:
    """Fires before each worker report (ahead of Locust's own listener, which was added
    later) and as the run stops on every node."""
    for row in _rows.values():
        row.flush()


events.report_to_master.add_listener(flush_all)
events.test_stop.add_listener(flush_all)
