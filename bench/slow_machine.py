"""Run a command on a machine made slower: a rehearsal for CI on a slower machine.

    python bench/slow_machine.py [--share 0.5] -- make test

One CPU-bound neighbour is pinned to each core for as long as the command runs, so every
core gives the command only part of its time, as a machine with slower cores would. Where
the CPU cgroup is writable (root, cgroup v1 or v2), the neighbours and the command go into
two sibling groups whose weights split the machine by ``--share``: a command busy on every
core gets that share of each, but the scheduler spreads a group's weight over the cores its
tasks run on, so a lone process of the command gets more of its core (2/3 at 0.5).
Elsewhere the neighbours run at the command's own priority: a lone process gets half its
core, and a core busy with k of the command's processes gives it k/(k+1). Neither is a
slower core exactly; both slow the suite's CPU-bound pass by about half. A calibration loop,
a lone process, run before the neighbours start and again under them, prints the share it
got. The command's exit status is this script's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# Where each cgroup version keeps the CPU controller (v1: its own hierarchy; v2: unified).
V1_CPU = Path("/sys/fs/cgroup/cpu")
V2_ROOT = Path("/sys/fs/cgroup")
# One group per run (its pid), so a rehearsal run inside another (the test of this script,
# under `make test-slow`) neither reuses nor removes the outer one's.
GROUP = f"authconform-slow-{os.getpid()}"
# v1 cpu.shares and v2 cpu.weight: the total split between the two groups.
V1_TOTAL, V2_TOTAL = 2048, 200
CALIBRATE_S = 0.5


def _spin() -> None:
    while True:
        pass


def _loops_per_second(seconds: float = CALIBRATE_S) -> float:
    """A fixed pure-Python loop's speed on this core now: how much of a core we get."""
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(1000):
            pass
        count += 1
    return count / seconds


def _cgroup_dirs() -> tuple[Path, Path, str, int] | None:
    """(neighbours' group, command's group, weight file, total weight), or None if not writable."""
    if V1_CPU.is_dir() and (V1_CPU / "cpu.shares").exists():
        base, weight, total = V1_CPU / GROUP, "cpu.shares", V1_TOTAL
    elif (V2_ROOT / "cgroup.controllers").exists():
        base, weight, total = V2_ROOT / GROUP, "cpu.weight", V2_TOTAL
        with contextlib.suppress(OSError):
            (V2_ROOT / "cgroup.subtree_control").write_text("+cpu")
    else:
        return None
    try:
        for name in ("neighbours", "command"):
            (base / name).mkdir(parents=True, exist_ok=True)
        if weight == "cpu.weight":
            (base / "cgroup.subtree_control").write_text("+cpu")
    except OSError:
        return None
    return base / "neighbours", base / "command", weight, total


def _join(group: Path, pid: int) -> None:
    (group / "cgroup.procs").write_text(str(pid))


@contextlib.contextmanager
def slowed(share: float) -> Iterator[str]:
    """Neighbours on every core while inside; yields how the share is enforced."""
    cores = sorted(os.sched_getaffinity(0))
    groups = _cgroup_dirs()
    how = "neighbours at the same priority (no writable CPU cgroup)"
    neighbours: list[subprocess.Popen] = []
    try:
        for core in cores:
            neighbours.append(subprocess.Popen(
                [sys.executable, "-c", f"import os, sys; os.sched_setaffinity(0, {{{core}}}); "
                 f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                 "import slow_machine; slow_machine._spin()"],
            ))  # fmt: skip
        if groups is not None:
            theirs, ours, weight, total = groups
            (theirs / weight).write_text(str(max(2, round(total * (1 - share)))))
            (ours / weight).write_text(str(max(2, round(total * share))))
            for neighbour in neighbours:
                _join(theirs, neighbour.pid)
            _join(ours, os.getpid())  # the command, started after this, inherits it
            how = f"neighbours and command in sibling cgroups ({weight} split {share:.0%})"
        yield how
    finally:
        for neighbour in neighbours:
            neighbour.kill()
            neighbour.wait()
        if groups is not None:
            _leave(groups)


def _leave(groups: tuple[Path, Path, str, int]) -> None:
    """Back to the root group, then remove ours (a group with members cannot be removed)."""
    theirs, ours, _, _ = groups
    root = V1_CPU if theirs.parent.parent == V1_CPU else V2_ROOT
    with contextlib.suppress(OSError):
        _join(root, os.getpid())
    for group in (ours, theirs, theirs.parent):
        with contextlib.suppress(OSError):
            group.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--share", type=float, default=0.5, help="the part of each core the command gets (0.5)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    if not 0.05 <= args.share <= 0.95:
        parser.error("--share must be between 0.05 and 0.95")
    alone = _loops_per_second()
    with slowed(args.share) as how:
        time.sleep(0.2)  # the neighbours are running
        got = _loops_per_second() / alone
        print(f"slow_machine: {how}; a calibration loop now runs at {got:.0%} of its speed "
              f"alone", file=sys.stderr, flush=True)  # fmt: skip
        process = subprocess.Popen(command)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            return process.wait()


if __name__ == "__main__":
    sys.exit(main())
