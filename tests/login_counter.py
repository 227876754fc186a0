"""A counting front on the target host: relays TCP to the server and counts FIB logins.

    python tests/login_counter.py LISTEN_HOST LISTEN_PORT SERVER_PORT COUNT_FILE [SLOTS MS]

The reference server keeps no count of logins; this relay, in the target's namespace,
counts the login request lines it passes on (request bodies are JSON and never hold one)
and writes "TOTAL WRITES" to COUNT_FILE every tenth of a second. Each write replaces the file
whole (a reader never sees it half written), and WRITES counts them, so a reader can wait for
a write made after its own call instead of guessing how long the relay takes on a busy machine.

With SLOTS and MS it is also a slow-by-design target: each login waits for one of SLOTS
places and holds it MS milliseconds before going on, so no more than SLOTS * 1000 / MS
logins a second get through, whatever the machine: a capacity known in advance.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

LOGIN_LINE = b"POST /auth/api/v1/authentication-management/session "
_count = 0
_lock = threading.Lock()
_slots: threading.Semaphore | None = None
_hold_s = 0.0


def _pipe(src: socket.socket, dst: socket.socket, counting: bool) -> None:
    global _count
    tail = b""
    try:
        while chunk := src.recv(65536):
            if counting:
                seen = tail + chunk
                logins = seen.count(LOGIN_LINE)
                with _lock:
                    _count += logins
                tail = seen[-(len(LOGIN_LINE) - 1) :]
                if logins and _slots is not None:
                    with _slots:
                        time.sleep(_hold_s)
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
    scratch = path.with_name(path.name + ".new")
    writes = 0
    while True:
        time.sleep(0.1)
        writes += 1
        scratch.write_text(f"{_count} {writes}")
        os.replace(scratch, path)


def main() -> None:
    host, port, server_port, count_file = sys.argv[1:5]
    port, server_port = int(port), int(server_port)
    if len(sys.argv) > 6:
        global _slots, _hold_s
        _slots, _hold_s = threading.Semaphore(int(sys.argv[5])), float(sys.argv[6]) / 1000
    threading.Thread(target=_report, args=(Path(count_file),), daemon=True).start()
    listener = socket.create_server((host, port), backlog=512)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve, args=(client, server_port), daemon=True).start()


if __name__ == "__main__":
    main()
