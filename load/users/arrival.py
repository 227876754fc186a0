"""Open-model runs in Locust: logins at a fixed arrival rate, timed from their intended start.

One user per process keeps the schedule: at each intended time it starts the login in a
greenlet of its own, so a slow answer delays nobody else's start (Locust's users wait for
their answer before the next request: a closed loop, which hides server stalls). Each process
takes ``--arrival-rate`` divided by the number of worker processes. As the run stops, the
master asks each worker for its ``load.stats.latency.Tally`` and waits for them all (a worker
that stops on its own sends it unasked); the master (or the single process) writes the files
and logs the figures. With ``--arrival-limit``, a process that has
started its share and had every answer says so, and the run ends once all have (at ``-t``
otherwise, as without a limit).
"""

from __future__ import annotations

import logging
import math
import random
import resource
import time
from typing import ClassVar

import gevent
from gevent.event import Event
from locust import events, task
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from load.stats.latency import Tally
from load.users.base import ApiUser
from load.users.launcher import Launcher
from load.users.schedule import ARRIVALS, arrival_times, process_share

__all__ = ["ArrivalUser", "add_arguments"]

logger = logging.getLogger("authconform.load")

# Logins in flight per process at most (and its HTTP connections): far more than a stall of
# a second at a few thousand logins/s needs. When full, the schedule waits, and says so.
MAX_IN_FLIGHT = 4000
# Finished login greenlets kept for the next arrivals (about 20 KiB each): far more than the
# logins in flight at a steady few thousand a second; past a stall, the extra ones end.
KEPT_GREENLETS = 256
MESSAGE = "authconform_arrivals"
DONE = "authconform_schedule_done"  # a worker's schedule reached its limit, all answered
ASK = "authconform_tally_please"  # the master stops the run: each worker's tally, now
# How long the stopping master waits for the tallies it asked for (a lost worker never sends).
TALLY_WAIT_S = 10.0
# A user that is not this process's scheduler sleeps in slices this long until stopped.
IDLE_SECONDS = 3600
# Logged by each scheduling process at its first answer: a sign, owned by this project, that
# the process keeps its schedule and the target answers (tests wait for it, not for Locust's
# own wording about spawning, which depends on how fast workers report).
SCHEDULE_RUNS = "open model: process %d of %d had its first answer; its schedule runs"


def add_arguments(parser) -> None:
    """The open-model options (``load.users.hooks`` calls this from Locust's parser event)."""
    parser.add_argument(
        "--arrival-rate",
        type=float,
        default=0.0,
        help="open model: start this many logins per second in total, whatever the answers "
        "(split across worker processes); runs the arrival user classes, e.g. FibArrivalUser",
    )
    parser.add_argument(
        "--arrival",
        choices=ARRIVALS,
        default="constant",
        help="open model: evenly spaced (constant) or independent (poisson) arrivals",
    )
    parser.add_argument(
        "--arrival-limit",
        type=int,
        default=0,
        help="open model: start at most this many logins in total (0: until the run ends)",
    )
    parser.add_argument(
        "--latency-file",
        default="",
        help="open model: write PREFIX.json (figures), PREFIX.hgrm (percentile distribution, ms) "
        "and PREFIX.hdr (encoded HdrHistogram) of the latency from each intended start",
    )


class _Schedule:
    """This process's schedule and what it saw; one per process."""

    def __init__(self) -> None:
        self.owner: ArrivalUser | None = None
        self.tally = Tally()
        # Each login runs in a raw greenlet of its own (no links, no Greenlet object: about
        # 15 us a login less than a gevent Pool's), kept for later logins once it is done
        # (load.users.launcher), and counted here to bound and to wait for.
        self.launcher: Launcher | None = None
        self.in_flight: dict[object, float] = {}
        self.room = Event()  # set while fewer than MAX_IN_FLIGHT logins are out
        self.room.set()
        self.quiet = Event()  # set while no login is out
        self.quiet.set()
        self.times = iter(())
        self.pending: float | None = None  # taken from the schedule, not started yet
        self.launched = 0
        self.limit: int | None = None
        self.first = self.last = 0.0
        self.share = 0.0
        self.wall_start = self.cpu_start = 0.0
        self.wall_end: float | None = None  # set when the schedule ended before the run
        self.cpu_end = 0.0
        self.stopped = False
        self.finished = False
        self.answered = False  # the first answer came: SCHEDULE_RUNS was logged

    def remaining_due(self, now: float) -> int:
        """Arrivals due by ``now`` that were never started (the schedule fell behind)."""
        count = 0
        if self.pending is not None and self.pending <= now:
            count += 1
        for at in self.times:
            if at > now or count > 10 * self.share * (now - self.first) + 10:
                break
            count += 1
        if self.limit is not None:
            count = min(count, max(0, self.limit - self.launched))
        return count


_schedule = _Schedule()
# Master or single process: every process's tally, merged.
_merged = Tally()
_reports = 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_position(environment: Environment) -> tuple[int, int]:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        count = getattr(environment.parsed_options, "expect_workers", 1) or 1
        return runner.worker_index, count
    return 0, 1


class ArrivalUser(ApiUser):
    """Base for open-model users: one per process keeps the arrival schedule.

    Subclasses define ``arrive()``: one login, True when its answer passed.
    """

    abstract = True
    opt_in = True
    # load.users.hooks runs these classes (only) when --arrival-rate is given.
    open_model: ClassVar[bool] = True
    # The FastHttpUser connection pool: every login in flight needs a connection.
    concurrency = MAX_IN_FLIGHT

    def arrive(self) -> bool:
        raise NotImplementedError

    @task
    def keep_schedule(self) -> None:
        if _schedule.owner is not None:
            gevent.sleep(IDLE_SECONDS)  # this process's schedule is kept by another user
            return
        _schedule.owner = self
        options = self.environment.parsed_options
        rate = getattr(options, "arrival_rate", 0.0) or 0.0
        if rate <= 0:
            raise RuntimeError(f"{type(self).__name__} needs --arrival-rate")
        index, count = _worker_position(self.environment)
        share, phase = process_share(rate, index, count)
        limit = getattr(options, "arrival_limit", 0) or 0
        s = _schedule
        s.launcher = Launcher(keep=KEPT_GREENLETS)
        s.share = share
        s.limit = math.ceil(limit / count) if limit else None
        s.tally.offered_rate = share
        s.wall_start, s.cpu_start = time.perf_counter(), _cpu_seconds()
        s.first = s.wall_start + phase / share
        s.times = arrival_times(share, options.arrival, start=s.first, rng=random.Random())
        self._keep(s)
        s.wall_end, s.cpu_end = time.perf_counter(), _cpu_seconds()  # the limit was reached
        if not s.stopped:
            s.quiet.wait()  # its last answers (or the run's end at -t, which kills this wait)
        if not s.stopped:  # not stopped while waiting either: the end is this process's to say
            _schedule_done(self.environment)
        gevent.sleep(IDLE_SECONDS)

    def _keep(self, s: _Schedule) -> None:
        assert s.launcher is not None
        launch = s.launcher.launch
        for at in s.times:
            if s.limit is not None and s.launched >= s.limit:
                return
            s.pending = at
            delay = at - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            if s.stopped:
                return
            if len(s.in_flight) >= MAX_IN_FLIGHT:
                s.room.clear()
                s.room.wait()  # the schedule waits while MAX_IN_FLIGHT logins are out
            token = object()
            s.in_flight[token] = at  # counted from now: its greenlet starts within microseconds
            s.tally.sent += 1
            s.tally.max_in_flight = max(s.tally.max_in_flight, len(s.in_flight))
            s.quiet.clear()
            launch(self._one, token, at)
            s.pending = None
            s.launched += 1
            s.last = at

    def _one(self, token: object, intended: float) -> None:
        s = _schedule
        started = time.perf_counter()
        s.tally.started_late(started - intended)
        try:
            passed = self.arrive()
        finally:
            s.in_flight.pop(token, None)
            if not s.room.is_set():
                s.room.set()
            if not s.in_flight:
                s.quiet.set()
        if not s.answered:
            s.answered = True
            index, count = _worker_position(self.environment)
            logger.info(SCHEDULE_RUNS, index + 1, count)
        if s.stopped:
            return  # answered after the end: the tally is closed
        s.tally.answered(time.perf_counter() - intended)
        if passed:
            s.tally.ok += 1
            s.tally.ok_in_window += s.wall_end is None
        else:
            s.tally.failed += 1


def _schedule_done(environment: Environment) -> None:
    """This process sent its share of ``--arrival-limit`` and has every answer: say so.

    The run ends once every scheduling process has said it (a lost worker never does, and
    its run still ends at ``-t``), the way the run-time limit ends it.
    """
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(DONE)
    elif runner is not None:
        _stop_early(runner)


def _stop_early(runner) -> None:
    logger.info("open model: every login of the limit sent and answered; the run ends")
    gevent.spawn(runner.quit)  # in a greenlet of its own: quitting kills the users'


_done = 0


def _on_done(environment: Environment, msg, **_kwargs) -> None:
    """Fires on the master for each worker whose schedule is done."""
    global _done
    _done += 1
    # Open model: one scheduling user per process (load.process.locust sets -u so).
    if _done == (getattr(environment.parsed_options, "num_users", 0) or 1):
        _stop_early(environment.runner)


def _finish(environment: Environment) -> Tally | None:
    """Close this process's tally when the test stops; None if it kept no schedule."""
    s = _schedule
    if s.owner is None or s.finished:
        return None
    now = time.perf_counter()
    s.stopped = s.finished = True
    t = s.tally
    for intended in s.in_flight.values():
        # Still waiting: at least this late. Recorded, so a stalled server cannot hide.
        t.answered(now - intended)
        t.unfinished += 1
    t.due = s.launched + s.remaining_due(now)
    end = now if s.limit is None or s.launched < s.limit else min(now, s.last + 1 / s.share)
    t.window_s = max(0.0, end - s.first)
    t.windows = [t.window_s]
    # The CPU share while the schedule ran, not while it idled after its last arrival.
    wall_end, cpu_end = (s.wall_end, s.cpu_end) if s.wall_end else (now, _cpu_seconds())
    wall = wall_end - s.wall_start
    t.cpu = [(cpu_end - s.cpu_start) / wall if wall > 0 else 0.0]
    return t


@events.test_stop.add_listener
def on_test_stop(environment: Environment, **_kwargs) -> None:
    """Fires on every node when the run stops: workers send their tally to the master
    (unless the master asked for it already, see ``on_test_stopping``)."""
    if isinstance(environment.runner, MasterRunner):
        return
    tally = _finish(environment)
    if tally is None:
        return
    if isinstance(environment.runner, WorkerRunner):
        _send_tally(environment.runner, tally)
    else:
        _take(tally.to_wire())


def _send_tally(runner: WorkerRunner, tally: Tally | None) -> None:
    if tally is not None:
        # Said on the worker too, so its own count can be set beside the master's merged one.
        logger.info(
            "open model: worker %d sent %d logins (%d passed, %d failed, %d unfinished)",
            runner.worker_index, tally.sent, tally.ok, tally.failed, tally.unfinished,
        )  # fmt: skip
    runner.send_message(MESSAGE, tally.to_wire() if tally is not None else None)


def _on_tally_asked(environment: Environment, msg, **_kwargs) -> None:
    """Fires on a worker when the master stops the run: its tally now, or None."""
    _send_tally(environment.runner, _finish(environment))


def _take(data: dict) -> None:
    global _reports
    _merged.merge(data)
    _reports += 1


_replies = 0


def _on_message(environment: Environment, msg, **_kwargs) -> None:
    """Fires on the master for each worker's tally (None: that worker kept no schedule)."""
    global _replies
    _replies += 1
    if msg.data is not None:
        _take(msg.data)


@events.test_stopping.add_listener
def on_test_stopping(environment: Environment, **_kwargs) -> None:
    """Fires on the master as the run stops, before it tells the workers to quit.

    Locust's master waits only half a second after its quit message for what workers
    send last; on a busy machine a tally once came later and a complete run was reported
    incomplete. So the master asks each worker still connected for its tally first and
    waits (at most TALLY_WAIT_S) until every one has answered.
    """
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        return
    if not (getattr(environment.parsed_options, "arrival_rate", 0.0) or 0.0):
        return  # a closed-model run: no tallies
    asked = [client.id for client in runner.clients.all if client.state != STATE_MISSING]
    before = _replies  # a worker that stopped on its own may have sent its tally already
    for client_id in asked:
        runner.send_message(ASK, client_id=client_id)
    deadline = time.monotonic() + TALLY_WAIT_S
    while _replies - before < len(asked) and time.monotonic() < deadline:
        gevent.sleep(0.02)


@events.init.add_listener
def on_init(environment: Environment, **_kwargs) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(MESSAGE, _on_message)
        environment.runner.register_message(DONE, _on_done)
    elif isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(ASK, _on_tally_asked)


@events.quitting.add_listener
def report(environment: Environment, **_kwargs) -> None:
    """Fires at exit; the master (or single process) writes and logs the open-model figures."""
    if isinstance(environment.runner, WorkerRunner) or not _reports:
        return
    from load.stats.openreport import lag_warning

    prefix = getattr(environment.parsed_options, "latency_file", "") or ""
    summary = _merged.write_files(prefix) if prefix else _merged.summary()
    c = summary["corrected_ms"]
    logger.info(
        "open model: %d of %d due logins sent at %.0f/s asked; latency from the intended "
        "start: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        summary["sent"], summary["due"], summary["offered_rate"], c["p50"], c["p99"], c["max"],
    )  # fmt: skip
    warning = lag_warning(summary)
    if warning:
        logger.warning("%s", warning)
    asked = getattr(environment.parsed_options, "arrival_rate", 0.0) or 0.0
    if summary["offered_rate"] < 0.99 * asked:
        logger.warning(
            "only %d process(es) kept a schedule, offering %.0f of the %.0f logins/s asked: "
            "give -u at least the number of worker processes",
            summary["processes"], summary["offered_rate"], asked,
        )  # fmt: skip
