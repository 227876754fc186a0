"""Run a WSGI app under Granian, through the RSGI bridge: workers on one socket bound here.

The socket is bound before Granian starts, so ``--port 0`` means one free port for
every worker and a port already in use is a plain ``OSError`` the caller can report.
Granian's Rust runtime reads the headers (within ``header_timeout``) and holds idle
keep-alive connections; the bridge awaits the body on the event loop (within
``body_timeout``); a Python thread is taken only once a whole request has arrived, so
slow, stalled or idle clients do not starve the others.

Each worker builds its app with ``app_factory()`` after the fork, watches its parent,
and stops when the main process is gone (a SIGKILLed main leaves no orphans serving).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from granian._granian import SocketHolder
from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

from reference_impl.serving.rsgi_bridge import RSGIBridge

__all__ = ["GranianSettings", "bind", "describe", "serve"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def event_loop() -> Loops:
    """uvloop where it is installed (a dependency, except on Windows): measured, a FIB login
    costs the server about an eighth less CPU on it (docs/benchmarks.md, "Served vs handler").
    Named, not Granian's ``auto``, which would prefer the experimental rloop if present."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return Loops.asyncio
    return Loops.uvloop


# Connections waiting for a worker to accept them.
BACKLOG = 1024
# A client that has not sent its request headers within this long is disconnected
# (Granian's limit: 1 to 60 seconds).
DEFAULT_HEADER_TIMEOUT = 10.0
# A request body not complete within this long after its headers is answered 408.
DEFAULT_BODY_TIMEOUT = 10.0
# On shutdown, workers still busy after this long are killed.
WORKER_KILL_TIMEOUT = 5
# How often a worker checks that the main process is still there.
PARENT_POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class GranianSettings:
    """What ``serve`` maps onto Granian; each field is one ``authconform serve`` option."""

    workers: int
    threads: int  # Python threads per worker running the app (bodies are awaited elsewhere)
    backpressure: int  # requests in flight per worker, bodies still arriving included
    respawn_failed_workers: bool = True
    header_timeout: float = DEFAULT_HEADER_TIMEOUT  # seconds to send the request headers
    body_timeout: float = DEFAULT_BODY_TIMEOUT  # seconds to send the body after them


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: any free port); OSError when it is taken.

    It listens only once ``serve`` starts, so nothing connects before the server is ready
    (the credentials file written, the demo users stored)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # REUSEADDR only: restarts are not blocked by TIME_WAIT, but a live listener is.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def describe(settings: GranianSettings) -> str:
    """The startup line's account of what runs, e.g. ``granian 2.8.7 WSGI, 2 workers x 4 ...``."""
    plural = "s" if settings.workers != 1 else ""
    respawn = "respawned" if settings.respawn_failed_workers else "not respawned"
    return (
        f"granian {version('granian')} RSGI to WSGI on {event_loop().value}, "
        f"{settings.workers} worker{plural} x "
        f"{settings.threads} threads, backpressure {settings.backpressure}, "
        f"headers within {settings.header_timeout:g} s, bodies within "
        f"{settings.body_timeout:g} s, failed workers {respawn}"
    )


def serve(
    sock: socket.socket, settings: GranianSettings, app_factory: Callable[[], WSGIApp]
) -> int:
    """Serve until SIGINT/SIGTERM; the exit status Granian ends with (0 on a clean stop)."""
    # NOTE: workers inherit the bound socket by fork; newer Pythons default to another method.
    multiprocessing.set_start_method("fork", force=True)
    sock.listen(BACKLOG)
    host, port = sock.getsockname()[:2]
    server = _BoundServer(
        sock,
        "reference_impl.app:create_app",
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=settings.workers,
        blocking_threads=1,  # RSGI: the event loop's thread; the app runs on the bridge's pool
        backpressure=settings.backpressure,
        backlog=BACKLOG,
        http=HTTPModes.http1,
        loop=event_loop(),
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.header_timeout * 1000)),
        respawn_failed_workers=settings.respawn_failed_workers,
        workers_kill_timeout=WORKER_KILL_TIMEOUT,
        log_level=LogLevels.warning,
        log_access=False,
    )
    try:
        loader = _WorkerApp(app_factory, os.getpid(), settings)
        server.serve(target_loader=loader, wrap_loader=False)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


class _BoundServer(Server):  # type: ignore[misc, valid-type]
    """Granian's process server, listening on a socket bound by us instead of by itself."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        self._bound = sock
        super().__init__(*args, **kwargs)

    def _init_shared_socket(self) -> None:
        # NOTE: the shape of Granian 2.8's shared-socket path (the one it takes off Linux):
        # no listener spec, one holder of an inherited fd. Pinned by the granian<2.9 bound.
        self._ssp = None
        self._shd = SocketHolder(self._bound.fileno(), False, BACKLOG)
        self._sfd = self._bound.fileno()
        self._sso = self._bound


class _WorkerApp:
    """Called once in each worker: build the app there, and leave when the parent dies."""

    def __init__(
        self, app_factory: Callable[[], WSGIApp], parent_pid: int, settings: GranianSettings
    ) -> None:
        self._app_factory = app_factory
        self._parent_pid = parent_pid
        self._settings = settings

    def __call__(self) -> RSGIBridge:
        threading.Thread(target=self._watch_parent, name="parent-watch", daemon=True).start()
        return RSGIBridge(
            self._app_factory(),
            threads=self._settings.threads,
            body_timeout=self._settings.body_timeout,
        )

    def _watch_parent(self) -> None:
        stop = threading.Event()
        while not stop.wait(PARENT_POLL_SECONDS):
            if os.getppid() != self._parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)  # Granian's own graceful stop
                return
