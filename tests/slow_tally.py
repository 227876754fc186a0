"""A Locust file loaded beside load/locustfile.py: workers send their open-model tally late.

    locust -f load/locustfile.py,tests/slow_tally.py --processes 2 --tally-delay 1.5 ...

A busy machine once delivered a worker's tally more than the half second Locust's master
waits after telling the workers to quit, and a complete run was reported incomplete. Every
message carrying a tally waits ``--tally-delay`` seconds on the worker before it goes.
"""

from __future__ import annotations

import gevent
from locust import events
from locust.env import Environment
from locust.runners import WorkerRunner

from load.users.arrival import MESSAGE


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    parser.add_argument("--tally-delay", type=float, default=0.0, help="tests: seconds")


@events.init.add_listener
def on_init(environment: Environment, **_kwargs) -> None:
    runner = environment.runner
    delay = environment.parsed_options.tally_delay
    if not isinstance(runner, WorkerRunner) or not delay:
        return
    send = runner.send_message

    def late(msg_type: str, data=None, client_id=None) -> None:
        if msg_type == MESSAGE:
            gevent.sleep(delay)
        send(msg_type, data, client_id)

    runner.send_message = late
