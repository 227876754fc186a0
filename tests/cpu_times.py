"""Per-test CPU seconds against wall seconds, to see which tests compute and which wait.

Opt-in: with ``AUTHCONFORM_CPU_LOG=FILE`` set, each test appends one tab-separated line
(``nodeid wall cpu worker end``, the end a Unix time, to see which worker ran on alone) to
FILE. CPU is the worker's own user+sys time plus that of the children it reaped during the
test (a server thread counts; a child never waited for does not). Waiting tests can overlap
with others; computing ones can only get cheaper.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["cpu_seconds", "summary"]


def cpu_seconds() -> float:
    """User+sys seconds of this process and of its reaped children so far."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Time one test's setup, call and teardown together."""
    log = os.environ.get("AUTHCONFORM_CPU_LOG")
    if not log:
        yield
        return
    wall, cpu = time.monotonic(), cpu_seconds()
    yield
    wall, cpu = time.monotonic() - wall, cpu_seconds() - cpu
    with Path(log).open("a", encoding="utf-8") as sink:  # short appends: one line each
        worker = os.environ.get("PYTEST_XDIST_WORKER", "-")
        sink.write(f"{item.nodeid}\t{wall:.2f}\t{cpu:.2f}\t{worker}\t{time.time():.1f}\n")


def summary(log: Path) -> list[tuple[str, float, float]]:
    """``(file, wall, cpu)`` per test file of a log, most wall time first."""
    files: dict[str, list[float]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        nodeid, wall, cpu = line.split("\t")[:3]
        sums = files.setdefault(nodeid.split("::")[0], [0.0, 0.0])
        sums[0] += float(wall)
        sums[1] += float(cpu)
    return sorted(((name, w, c) for name, (w, c) in files.items()), key=lambda row: -row[1])


if __name__ == "__main__":
    import sys

    rows = summary(Path(sys.argv[1]))
    for name, wall, cpu in rows:
        print(f"{wall:7.1f} {cpu:7.1f} {cpu / wall if wall else 0:5.2f}  {name}")
    print(f"{sum(r[1] for r in rows):7.1f} {sum(r[2] for r in rows):7.1f}  total")
