"""A reference server with one fault that a test switches on and off, at one URL.

The fault: a refresh (PATCH on the session path) is refused with 401 whatever token it
carries, so ``refresh_returns_new_token_pair`` fails, and its reproducer needs the chain
login, then refresh. Switching the fault off is "the fix": the same URL, users and keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reference_impl.serving.embedded import Running, running_server

SESSION_PATH = "/auth/api/v1/authentication-management/session"


@dataclass
class Switch:
    on: bool = True


def refuses_refresh(switch: Switch) -> Callable:
    def wrap(app: Callable) -> Callable:
        def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
            refresh = environ["REQUEST_METHOD"] == "PATCH" and environ["PATH_INFO"] == SESSION_PATH
            if switch.on and refresh and environ.get("HTTP_AUTHORIZATION"):
                status = {"code": 401, "name": "Unauthorized", "message": "No."}
                body = json.dumps({"status": status, "data": None}).encode()
                start_response(
                    "401 Unauthorized",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                )
                return [body]
            return app(environ, start_response)

        return middleware

    return wrap


@contextmanager
def faulty_server() -> Iterator[tuple[Running, Switch]]:
    """The reference server with the refresh fault on; turn ``switch.on`` off to fix it."""
    switch = Switch()
    with running_server(demo_users=1, wrap=refuses_refresh(switch)) as server:
        yield server, switch
