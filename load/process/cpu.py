"""CPU seconds of a process and its children, through psutil (the server and its workers)."""

from __future__ import annotations

import psutil

__all__ = ["cpu_seconds", "cpu_times"]


def cpu_times(pid: int) -> tuple[float, float] | None:
    """(user, system) CPU seconds of ``pid`` and its children alive now; None if it is gone.

    Children are counted while they live: a worker that exited before the second reading
    takes its seconds with it, which a server that keeps its workers never does.
    """
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    user = system = 0.0
    for one in family:
        try:
            times = one.cpu_times()
        except psutil.Error:
            continue
        user += times.user
        system += times.system
    return user, system


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of ``pid`` and its children; None if it is gone."""
    times = cpu_times(pid)
    return None if times is None else sum(times)
