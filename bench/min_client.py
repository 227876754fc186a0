"""The least a Python generator can do per signed FIB login: the floor Locust is held to.

    python bench/min_client.py URL CREDENTIALS --users 16 --seconds 8 --warmup 2

``--users`` greenlets (gevent, as under Locust), each with one kept-alive connection, sign
the account's Iroha-hashed email with libsodium, send the login, wait for the answer, read
it by its Content-Length and check that both tokens are there; nothing else (no stats, no
task loop, no schedule). Prints the logins and the CPU seconds between the warm-up's end
and the stop as JSON. The answer must be 200 with a Content-Length (the reference's is).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conformance.signing import iroha_hash, signing_key  # noqa: E402

PATH = "/auth/api/v1/authentication-management/session"
counted = [0]


def _cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _login_loop(host: str, port: int, account: dict) -> None:
    email = account["email"]
    public, secret = crypto_sign_seed_keypair(bytes(signing_key(account["privateKeyHex"])))
    body = json.dumps({"email": email, "signature": "<sig>", "authPublicKeyHex": public.hex()})
    head, _, tail = body.encode().rpartition(b"<sig>")
    length = len(head) + 128 + len(tail)
    request_head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + head
    hashed = email.encode()
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        signature = crypto_sign(iroha_hash(hashed), secret)[:64].hex().encode()
        sock.send(request_head + signature + tail)
        data = sock.recv(65536)
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        answer_head, _, rest = data.partition(b"\r\n\r\n")
        size = int(answer_head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < size:
            rest += sock.recv(65536)
        tokens = json.loads(rest)["data"]
        if answer_head[9:12] != b"200" or not (tokens["accessToken"] and tokens["refreshToken"]):
            sys.exit(f"min_client: a failing answer: {answer_head[:40]!r}")
        counted[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("credentials")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    parts = urllib.parse.urlsplit(args.url)
    accounts = json.loads(Path(args.credentials).read_text())["fib"]["users"]
    loops = [
        gevent.spawn(_login_loop, parts.hostname, parts.port, accounts[i % len(accounts)])
        for i in range(args.users)
    ]
    gevent.sleep(args.warmup)
    cpu, wall, logins = _cpu_s(), time.perf_counter(), counted[0]
    gevent.sleep(args.seconds - args.warmup)
    figures = {"cpu_s": _cpu_s() - cpu, "wall_s": time.perf_counter() - wall,
               "logins": counted[0] - logins}  # fmt: skip
    if not all(loop and not loop.dead for loop in loops):
        sys.exit("min_client: a login loop ended early (its error is above)")
    gevent.killall(loops)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
