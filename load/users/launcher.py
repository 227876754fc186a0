"""Start each open-model login in a greenlet kept from an earlier one, not a new one.

A new greenlet per login cost the generator a 16 KiB memory mapping made and unmapped per
login (CPython gives each greenlet its own chunk of frame stack; ``perf trace``: one
``mmap`` and one ``munmap`` per login), its pages faulted in afresh, and the greenlet's own
set-up. A greenlet that finished its login parks on the hub instead, and the next arrival
wakes it with its work: the same one hub callback per login that ``gevent.spawn_raw`` uses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import gevent
from greenlet import getcurrent, greenlet

__all__ = ["Launcher"]


class Launcher:
    """Runs ``function(*args)`` soon, in a greenlet of its own, each like ``spawn_raw``.

    At most ``keep`` finished greenlets wait for work; any beyond end as spawn_raw's do.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._idle: list[greenlet] = []
        self._hub = gevent.get_hub()

    def launch(self, function: Callable[..., Any], *args: Any) -> None:
        while self._idle:
            worker = self._idle.pop()
            if not worker.dead:
                break
        else:
            worker = greenlet(self._work, parent=self._hub)
        self._hub.loop.run_callback(worker.switch, function, args)

    def _work(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        me = getcurrent()
        while True:
            try:
                function(*args)
            except Exception:  # as spawn_raw: the hub reports it, and the run goes on
                self._hub.handle_error(me, *sys.exc_info())
            if len(self._idle) >= self.keep:
                return
            self._idle.append(me)
            try:
                work = self._hub.switch()  # parked until launch() hands it the next login
                function, args = work
            except BaseException:  # woken by anything else (a stray timeout, a kill): end here
                if me in self._idle:
                    self._idle.remove(me)
                return
