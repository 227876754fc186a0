"""HTTP servers for tests, in a thread on a free loopback port, stopped when their block ends."""

from __future__ import annotations

import functools
import http.server
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["QuietFiles", "serving_files", "serving_in_thread"]


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    """Files from a folder, without a log line per request on the test's output."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving_in_thread(
    handler: type[http.server.BaseHTTPRequestHandler], *, tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (over TLS with a server context) and yield the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def serving_files(directory: str | Path):
    """Serve ``directory`` over HTTP (pages that cannot load from file://)."""
    return serving_in_thread(functools.partial(QuietFiles, directory=str(directory)))
