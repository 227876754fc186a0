"""Slow and idle clients cannot starve logins on ``authconform serve`` with its defaults.

100 connections send their headers and then the body one byte per second; 100 more
make one request and then sit idle on the kept-alive connection. Meanwhile a normal
signed FIB login must still be answered (200) within the client's own timeout: Granian
holds connections and reads bodies in its runtime, not in the app's threads.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

from conformance.signing import sign_email

# Both judge time (answers within a client timeout while connections are held): alone.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

SESSION = "/auth/api/v1/authentication-management/session"
SLOW, IDLE = 100, 100
DECLARED_BODY = 200  # bytes the slow clients promise and never finish sending
# "Answered": within this client timeout, the bound of the claim, not a speed goal. It holds
# at half speed: a login costs the server about a millisecond of CPU, and the slow clients
# cost it none while they wait (Granian's runtime holds them, not a Python thread).
ANSWER_TIMEOUT = 5.0
DRIP_SECONDS = 12  # the slow clients drip at most this long
LOGINS = 3


def _open(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def slow_body(port: int) -> socket.socket:
    sock = _open(port)
    sock.sendall(
        f"POST {SESSION} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {DECLARED_BODY}\r\n\r\n{{".encode()
    )
    return sock


def idle_keepalive(port: int) -> socket.socket:
    sock = _open(port)
    sock.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    return sock


def drip(socks: list[socket.socket], stop: threading.Event) -> None:
    """One byte per second on every slow connection, until told to stop (bounded)."""
    for _ in range(DRIP_SECONDS):
        if stop.wait(1.0):
            return
        for sock in socks:
            # The server may drop a client this slow; that is allowed.
            with contextlib.suppress(OSError):
                sock.sendall(b" ")


def signed_login(url: str, user: dict) -> httpx.Response:
    body = {
        "email": user["email"],
        "signature": sign_email(user["email"], user["privateKeyHex"]),
        "authPublicKeyHex": user["publicKeyHex"],
    }
    return httpx.post(url + SESSION, json=body, timeout=ANSWER_TIMEOUT)


def test_logins_are_answered_while_slow_and_idle_clients_hold_connections(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    creds = tmp_path / "creds.json"
    port = free_port()
    args = ("--demo-users", "1", "--credentials-out", str(creds))  # otherwise the defaults
    with serving(port, tmp_path / "slow.db", *args) as url:
        user = json.loads(creds.read_text())["fib"]["users"][0]
        held = [slow_body(port) for _ in range(SLOW)]
        held += [idle_keepalive(port) for _ in range(IDLE)]
        stop = threading.Event()
        dripper = threading.Thread(target=drip, args=(held[:SLOW], stop), daemon=True)
        dripper.start()
        try:
            time.sleep(1.0)  # the attack is in place before the first login
            statuses = [signed_login(url, user).status_code for _ in range(LOGINS)]
        finally:
            stop.set()
            dripper.join(5)
            for sock in held:
                sock.close()
    assert statuses == [200] * LOGINS


STALLED = 300  # connections that send a login's headers and one body byte, then wait
CLAIM_TIMEOUT = 2.0  # "other requests answered within 2 s": the client's own bound
SETTLE = 0.5  # for every stalled request to reach the server
# The body deadline the server is given (--body-timeout; 10 s by default): past the
# settling pause and both requests' CLAIM_TIMEOUT, so the stalled requests are still held
# while the others are answered, and the test waits 5 s for the 408 rather than 10.
BODY_TIMEOUT = 5.0


def test_stalled_bodies_hold_no_thread_and_end_in_408(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    """300 stalled bodies leave the JWKS and a login answered; each stalled one ends in 408.

    The server gets a 5 s body deadline instead of its default 10 s: the claim is that a
    stalled body holds no thread until its deadline, whatever the deadline's length, and
    5 s still outlasts the settling pause plus both requests' 2 s bounds.
    """
    creds = tmp_path / "creds.json"
    port = free_port()
    args = ("--demo-users", "1", "--credentials-out", str(creds),
            "--body-timeout", f"{BODY_TIMEOUT:g}")  # fmt: skip
    with serving(port, tmp_path / "stalled.db", *args) as url:
        user = json.loads(creds.read_text())["fib"]["users"][0]
        held = [slow_body(port) for _ in range(STALLED)]
        try:
            time.sleep(SETTLE)
            started = time.monotonic()
            jwks = httpx.get(url + "/.well-known/jwks.json", timeout=CLAIM_TIMEOUT)
            body = {
                "email": user["email"],
                "signature": sign_email(user["email"], user["privateKeyHex"]),
                "authPublicKeyHex": user["publicKeyHex"],
            }
            login = httpx.post(url + SESSION, json=body, timeout=CLAIM_TIMEOUT)
            assert (jwks.status_code, login.status_code) == (200, 200)
            # Each stalled request is answered once its body deadline has passed.
            held[0].settimeout(20)
            answer = held[0].recv(65536)
            waited = time.monotonic() - started
        finally:
            for sock in held:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"code":408' in answer and waited < 20
