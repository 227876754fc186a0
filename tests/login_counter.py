"""A counting front on the target host: relays TCP to the server and counts FIB logins.

    python tests/login_counter.py LISTEN_HOST LISTEN_PORT SERVER_PORT COUNT_FILE

The reference server keeps no count of logins; this relay, in the target's namespace,
counts the login request lines it passes on (request bodies are JSON and never hold one)
and writes the running total to COUNT_FILE every tenth of a second.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from pathlib import Path

LOGIN_LINE = b"POST /auth/api/v1/authentication-management/session "
_count = 0
_lock = threading.Lock()


def _pipe(src: socket.socket, dst: socket.socket, counting: bool) -> None:
    global _count
    tail = b""
    try:
        while chunk := src.recv(65536):
            if counting:
                seen = tail + chunk
                with _lock:
                    _count += seen.count(LOGIN_LINE)
                tail = seen[-(len(LOGIN_LINE) - 1) :]
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for one in (src, dst):
            with contextlib.suppress(OSError):
                one.shutdown(socket.SHUT_RDWR)


def _serve(client: socket.socket, server_port: int) -> None:
    upstream = socket.create_connection(("127.0.0.1", server_port), timeout=10)
    upstream.settimeout(None)
    threading.Thread(target=_pipe, args=(upstream, client, False), daemon=True).start()
    _pipe(client, upstream, True)


def _report(path: Path) -> None:
    while True:
        time.sleep(0.1)
        path.write_text(str(_count))


def main() -> None:
    host, port, server_port, count_file = sys.argv[1:5]
    port, server_port = int(port), int(server_port)
    threading.Thread(target=_report, args=(Path(count_file),), daemon=True).start()
    listener = socket.create_server((host, port), backlog=512)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve, args=(client, server_port), daemon=True).start()


if __name__ == "__main__":
    main()
