"""A FIB-shaped login server that answers at once but freezes for S seconds every T seconds.

    python tests/stall_server.py --stall 0.5 --period 5
    python tests/stall_server.py --service-ms 10     # no freezes; 100 logins/s at most

Prints ``http://127.0.0.1:PORT`` on its first line once listening (port 0: the system picks).
A request that arrives during a freeze waits until the freeze ends, as behind a stop-the-world
pause. With ``--service-ms`` each login also takes that long, one at a time, so the server
saturates at 1000 / service-ms logins per second. Every login gets a well-formed answer
whose tokens name the login's email (claims as a FIB server's, a signature of the right
length but no real one): this server checks nothing.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _segment(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# Tokens expire this long after the server started: beyond any test run.
LIFETIME_S = 86400
_EXPIRES = int(time.time()) + LIFETIME_S
_SIGNATURE = base64.urlsafe_b64encode(bytes(64)).rstrip(b"=").decode()


def _token(claims: dict) -> str:
    return f"{_segment({'alg': 'EdDSA', 'typ': 'JWT'})}.{_segment(claims)}.{_SIGNATURE}"


def answer(body: bytes) -> bytes:
    """A 200 for a login body, its tokens issued to the body's email."""
    try:
        email = str(json.loads(body).get("email", ""))
    except (ValueError, AttributeError):
        email = ""
    access = {"sub": email, "exp": _EXPIRES, "jti": "a"}
    refresh = {"sub": email, "acjti": "a", "exp": _EXPIRES, "jti": "r"}
    data = {"accessToken": _token(access), "refreshToken": _token(refresh), "expirationTime": 300}
    return json.dumps({"status": {"code": 200, "name": "OK"}, "data": data}).encode()


def make_handler(
    stall: float, period: float, started: float, service: float = 0.0
) -> type[BaseHTTPRequestHandler]:
    one_at_a_time = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as load generators use
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK, 40 ms later.
        disable_nagle_algorithm = True

        def _freeze(self) -> None:
            # The last `stall` seconds of every period, counted from the server's start.
            if stall <= 0:
                return
            phase = (time.monotonic() - started) % period
            if phase >= period - stall:
                time.sleep(period - phase)

        def _work(self) -> None:
            if service > 0:
                with one_at_a_time:
                    time.sleep(service)

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._freeze()
            self._work()
            self._send(answer(body))

        def do_GET(self) -> None:
            self._send(b'{"keys": []}')

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients hanging up at the end of a run are no news


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stall", type=float, default=0.0, help="freeze length S, seconds")
    parser.add_argument("--period", type=float, default=1.0, help="one freeze every T seconds")
    parser.add_argument("--service-ms", type=float, default=0.0, help="serial work per login")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    handler = make_handler(args.stall, args.period, time.monotonic(), args.service_ms / 1000)
    server = Server(("127.0.0.1", args.port), handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
