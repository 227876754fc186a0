"""A Locust file loaded beside load/locustfile.py by the benchmarks: generator CPU per login.

    locust -f load/locustfile.py,bench/cpu_probe.py ... (PROBE_OUT=FILE, PROBE_WARMUP=S)

From PROBE_WARMUP seconds after the start (imports and spawning left out) until the run
stops, it counts this process's CPU seconds and its ``fib login`` requests, and writes
them to PROBE_OUT as JSON. Works with any version of the locustfile: it reads Locust's
own stats only, after asking a locustfile that keeps rows of its own
(``load.users.localstats``) to hand them over first.
"""

from __future__ import annotations

import json
import os
import resource
import time

import gevent
from locust import events
from locust.env import Environment

LOGIN = ("fib login", "POST")
_start: dict[str, tuple[float, float, float, int, int]] = {}


def _cpu_s() -> tuple[float, float]:
    """(user + system, system) CPU seconds of this process so far."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime, used.ru_stime


def _flush_local_rows() -> None:
    """Rows kept in the generator reach Locust's stats once a second: all of them, now."""
    try:
        from load.users.localstats import flush_all
    except ImportError:  # a locustfile from before the local rows
        return
    flush_all()


def _logins(environment: Environment) -> tuple[int, int]:
    _flush_local_rows()
    entry = environment.stats.entries.get(LOGIN)
    return (entry.num_requests, entry.num_failures) if entry else (0, 0)


@events.test_start.add_listener
def _on_start(environment: Environment, **_kwargs) -> None:
    """Fires as the run starts; the window opens PROBE_WARMUP seconds later."""

    def open_window() -> None:
        gevent.sleep(float(os.environ.get("PROBE_WARMUP", "2")))
        _start["at"] = (time.perf_counter(), *_cpu_s(), *_logins(environment))

    gevent.spawn(open_window)


@events.test_stopping.add_listener
def _on_stopping(environment: Environment, **_kwargs) -> None:
    """Fires as the run stops, before the users are: the window closes."""
    if "at" not in _start or not os.environ.get("PROBE_OUT"):
        return
    wall, cpu, system, logins, failures = _start["at"]
    now_logins, now_failures = _logins(environment)
    now_cpu, now_system = _cpu_s()
    figures = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": now_cpu - cpu,
        "system_s": now_system - system,
        "logins": now_logins - logins,
        "failures": now_failures - failures,
    }
    with open(os.environ["PROBE_OUT"], "w", encoding="utf-8") as out:
        json.dump(figures, out)
