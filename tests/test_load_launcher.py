"""The open model's launcher: each login in a greenlet of its own, greenlets kept for reuse."""

from __future__ import annotations

import gevent
import pytest
from gevent.event import Event
from greenlet import getcurrent

from load.users.launcher import Launcher


def test_each_launch_runs_once_with_its_arguments_and_greenlets_are_reused() -> None:
    launcher = Launcher(keep=8)
    seen: list[tuple[int, object]] = []

    def login(n: int) -> None:
        gevent.sleep(0)  # yield to the hub, as a login waiting for its answer does
        seen.append((n, getcurrent()))

    for n in range(500):
        launcher.launch(login, n)
        if n % 3 == 2:
            gevent.sleep(0)
    gevent.sleep(0.05)
    assert sorted(n for n, _ in seen) == list(range(500))
    # Far fewer greenlets than logins: the finished ones took the next arrivals.
    assert len({id(g) for _, g in seen}) <= 8


def test_logins_in_flight_run_side_by_side_and_only_keep_greenlets_stay() -> None:
    launcher = Launcher(keep=5)
    answer = Event()
    running: set[int] = set()
    done: list[int] = []

    def slow_login(n: int) -> None:
        running.add(id(getcurrent()))
        answer.wait()  # a slow answer holds only its own greenlet
        done.append(n)

    for n in range(40):
        launcher.launch(slow_login, n)
    gevent.sleep(0.05)
    assert len(running) == 40 and not done
    answer.set()
    gevent.sleep(0.05)
    assert sorted(done) == list(range(40))
    assert len(launcher._idle) == 5
    assert all(not g.dead for g in launcher._idle)


def test_a_login_that_raises_is_reported_and_the_greenlet_serves_the_next(
    capsys: pytest.CaptureFixture[str],
) -> None:
    launcher = Launcher(keep=2)
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("a scenario bug")

    launcher.launch(broken)
    gevent.sleep(0.01)
    launcher.launch(ran.append, "next")
    gevent.sleep(0.01)
    assert ran == ["next"]
    assert "a scenario bug" in capsys.readouterr().err  # the hub printed it, as for spawn_raw


def test_a_parked_greenlet_woken_by_anything_else_leaves_and_is_not_reused() -> None:
    launcher = Launcher(keep=4)
    launcher.launch(lambda: None)
    gevent.sleep(0.01)
    [parked] = launcher._idle
    gevent.get_hub().loop.run_callback(parked.throw, gevent.Timeout(0.1))  # a stray timeout
    gevent.sleep(0.01)
    assert parked.dead and parked not in launcher._idle
    ran: list[int] = []
    launcher.launch(ran.append, 1)
    gevent.sleep(0.01)
    assert ran == [1]
