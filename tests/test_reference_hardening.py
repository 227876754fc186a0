"""The security review's smaller findings on the reference server, each probed as found:
token answers are never cached, loose modes on an existing database are tightened, and
``serve`` accepts no connection before its credentials file is written.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import httpx
from subprocesses import REFERENCE

from conformance.signing import sign_email
from reference_impl.store import Store

API_LOGIN, SIGNUP = "/api/user/login", "/api/user/signup"
DUKTIG, FIB_LOGIN = "/auth/token", "/auth/api/v1/authentication-management/session"


def test_every_answer_carrying_a_token_says_no_store(reference_server) -> None:
    creds = reference_server.credentials
    url = reference_server.url
    api_user = creds["user-api"]["users"][0]
    fib_user = creds["fib"]["users"][0]
    key = {"X-Auth-Key": creds["duktig"]["authKey"]}
    fib_body = {
        "email": fib_user["email"],
        "signature": sign_email(fib_user["email"], fib_user["privateKeyHex"]),
        "authPublicKeyHex": fib_user["publicKeyHex"],
    }
    email = f"no-store-{time.time_ns()}@example.com"
    new_user = {"name": "n", "email": email, "password": "p" * 12}
    answers = {
        "user api login": httpx.post(url + API_LOGIN, json=api_user),
        "user api signup": httpx.post(url + SIGNUP, json=new_user),
        "duktig token": httpx.post(url + DUKTIG, json=creds["duktig"]["users"][0], headers=key),
        "fib login": httpx.post(url + FIB_LOGIN, json=fib_body),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers.get("Cache-Control") == "no-store", name


def test_loose_modes_on_an_existing_database_are_tightened_at_open(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    keeper = sqlite3.connect(db)  # an earlier run, still open: -wal and -shm exist
    keeper.execute("PRAGMA journal_mode = WAL")
    keeper.execute("CREATE TABLE t (x)")
    keeper.execute("INSERT INTO t VALUES (1)")
    keeper.commit()
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
    for path in files:
        os.chmod(path, 0o644)
    store = Store(db)
    assert store.fib_user("nobody@example.com") is None  # opened, schema made
    store.close()
    keeper.close()
    for path in files:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_serve_writes_its_credentials_before_it_accepts_a_connection(
    tmp_path: Path, free_port
) -> None:
    port, creds = free_port(), tmp_path / "creds.json"
    argv = [*REFERENCE, "--port", str(port), "--db", str(tmp_path / "r.db"), "--workers", "1",
            "--demo-users", "20", "--password-cost", "light",
            "--credentials-out", str(creds)]  # fmt: skip
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.01)
        else:
            raise AssertionError("the server never accepted a connection")
        # The first connection it accepts finds the file complete.
        written = json.loads(creds.read_text())
        assert len(written["user-api"]["users"]) == 20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
