"""Locust runs of load/locustfile.py against the reference server, each ended by a count.

The server runs in this process (reference_impl.serving.embedded); Locust always runs in a child
process, since importing it here would patch the test process with gevent. No claim here is
about speed: each run stops once the rows it judges have their requests (tests/stop_after.py),
so a busy machine (these run beside other tests) makes a run longer, never emptier.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from locust_run import (
    COUNTED,
    LOCUSTFILE,
    PROCESS_TIMEOUT,
    ROOT,
    counted_run,
    locust_command,
    master_bind,
    rows,
    stop,
    write_credentials,
)

from conformance.signing import generate_keypair
from load.process.server import free_port
from reference_impl.serving.embedded import running_server

pytestmark = pytest.mark.load

LOGIN = "POST fib login"


@pytest.fixture(scope="module")
def server() -> Iterator:
    with running_server(demo_users=3) as running:
        yield running


@pytest.fixture
def credentials(server, tmp_path) -> str:
    return write_credentials(tmp_path / "credentials.json", server.credentials)


@pytest.fixture
def wrong_keys(server, tmp_path) -> str:
    """The server's accounts with keys it does not know: every login is a 422."""
    users = [
        {"email": u["email"], "privateKeyHex": generate_keypair().private_key_hex}
        for u in server.credentials["fib"]["users"]
    ]
    return write_credentials(tmp_path / "wrong-keys.json", {"fib": {"users": users}})


def _malformed_200(app):
    """Middleware: a well-formed-looking 200 whose tokens are not JWTs."""

    def broken(environ, start_response):
        for _ in app(environ, lambda *a, **k: None):
            pass
        body = json.dumps(
            {"status": {"code": 200, "name": "OK"}, "data": {"accessToken": "not-a-jwt"}}
        ).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return broken


def _someone_elses_tokens(app):
    """Middleware: good logins answered with well-formed tokens issued to another email."""
    from reference_impl.auth.tokens_fib import FibTokens

    tokens = FibTokens.from_seed(bytes(32))

    def answer(environ, start_response):
        status = []
        body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            start_response(status[0], [("Content-Type", "application/json")])
            return [body]
        pair = tokens.issue(email="someone.else@example.com", account_id="else@fib")
        data = {"accessToken": pair.access_token, "refreshToken": pair.refresh_token}
        data["expirationTime"] = pair.expires_in
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"status": {"code": 200, "name": "OK"}, "data": data}).encode()]

    return answer


def _user_agents(seen: list[str]):
    def wrap(app):
        def recording(environ, start_response):
            seen.append(environ.get("HTTP_USER_AGENT", ""))
            return app(environ, start_response)

        return recording

    return wrap


def test_a_short_run_signs_and_logs_in_without_failures(server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = counted_run(server.url, credentials, (LOGIN,), "--json-file", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    found = rows(out)
    sign, login = found[("SIGN", "fib sign email")], found[("POST", "fib login")]
    assert sign.requests > 0 and login.requests > 0
    assert login.failures == 0 and sign.failures == 0
    # Every login was preceded by its own signature.
    assert sign.requests >= login.requests
    # Passing logins reach the row from the generator's own row, with their answers' bytes
    # as a request event gives them (a login answer is a few hundred bytes).
    raw = {(e["method"], e["name"]): e for e in json.loads(Path(f"{out}.json").read_text())}
    assert raw[("POST", "fib login")]["total_content_length"] >= 300 * login.requests
    # The session flow and the other systems are opt-in: absent from a plain run, although
    # the credentials file has User API and Duktig accounts.
    assert set(found) == {("SIGN", "fib sign email"), ("POST", "fib login")}
    assert "user classes: FibLoginUser" in result.stderr


def test_a_server_answering_malformed_tokens_fails_the_run(credentials, tmp_path):
    out = tmp_path / "stats"
    with running_server(demo_users=3, wrap=_malformed_200) as broken:
        result = counted_run(broken.url, credentials, (LOGIN,), "--json-file", str(out))
    assert result.returncode != 0
    login = rows(out)[("POST", "fib login")]
    assert login.requests > 0 and login.failures == login.requests
    assert "accessToken is not a compact JWT" in result.stdout + result.stderr


def test_check_tokens_every_sets_how_often_the_claims_are_checked(tmp_path):
    """Tokens for another email pass every answer's shape check; only their claims show it."""
    found = {}
    with running_server(demo_users=3, wrap=_someone_elses_tokens) as other:
        credentials = write_credentials(tmp_path / "credentials.json", other.credentials)
        for every in ("1", "0"):
            out = tmp_path / f"stats-{every}"
            extra = ("--json-file", str(out), "--check-tokens-every", every)
            result = counted_run(other.url, credentials, (LOGIN,), *extra)
            found[every] = (result, rows(out)[("POST", "fib login")])
    checked, login = found["1"]
    assert checked.returncode == 1 and login.requests > 0 and login.failures == login.requests
    assert "accessToken's sub is 'someone.else@example.com'" in checked.stderr
    unchecked, login = found["0"]
    assert unchecked.returncode == 0, unchecked.stderr[-3000:]
    assert login.requests > 0 and login.failures == 0


def test_http_client_fasthttp_sends_every_request_through_fasthttpuser(tmp_path):
    seen: dict[str, list[str]] = {"lean": [], "fasthttp": []}
    for client, agents in seen.items():
        out = tmp_path / f"stats-{client}"
        with running_server(demo_users=3, wrap=_user_agents(agents)) as recorded:
            credentials = write_credentials(tmp_path / f"{client}.json", recorded.credentials)
            extra = ("--json-file", str(out), "--http-client", client)
            result = counted_run(recorded.url, credentials, (LOGIN,), *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        login = rows(out)[("POST", "fib login")]
        assert login.requests > 0 and login.failures == 0
    assert set(seen["lean"]) == {"authconform-load"}
    assert seen["fasthttp"] and "authconform-load" not in seen["fasthttp"]


def test_a_server_rejecting_every_login_fails_the_run(server, wrong_keys):
    result = counted_run(server.url, wrong_keys, (LOGIN,))
    assert result.returncode != 0
    # The failure reason names the status the server gave.
    assert "HTTP 422" in result.stdout + result.stderr


def test_an_unmeetable_p95_threshold_fails_an_otherwise_clean_run(server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = counted_run(
        server.url, credentials, (LOGIN,), "--max-p95-ms", "0.001", "--json-file", str(out)
    )
    assert result.returncode == 1
    assert rows(out)[("POST", "fib login")].failures == 0
    assert "threshold broken: POST fib login: p95" in result.stderr


def test_a_tolerant_fail_ratio_lets_a_failing_run_pass(server, wrong_keys):
    # Every login fails (422); --max-fail-ratio 1 accepts that, Locust's own rule would not.
    result = counted_run(server.url, wrong_keys, (LOGIN,), "--max-fail-ratio", "1.0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "thresholds met" in result.stderr


@pytest.mark.parametrize(
    ("tag", "classes", "ran", "left_out"),
    [
        (
            "session",
            {"FibSessionUser"},
            [("POST", "fib login"), ("PATCH", "fib refresh"), ("POST", "fib logout")],
            [("POST", "user-api login")],
        ),
        (
            "login",
            {"FibLoginUser", "UserApiLoginUser", "DuktigLoginUser"},
            [("POST", "fib login"), ("POST", "user-api login"), ("POST", "duktig token")],
            [("PATCH", "fib refresh"), ("POST", "user-api signup")],
        ),
    ],
)
def test_a_tag_runs_its_scenarios_only(server, credentials, tmp_path, tag, classes, ran, left_out):
    out = tmp_path / "stats"
    wanted = tuple(" ".join(key) for key in ran)
    result = counted_run(server.url, credentials, wanted, "--json-file", str(out), "--tags", tag)
    assert result.returncode == 0, result.stderr[-3000:]
    found = rows(out)
    for key in ran:
        assert found[key].requests > 0 and found[key].failures == 0, key
    assert not set(left_out) & set(found)
    (chosen,) = [line for line in result.stderr.splitlines() if "user classes: " in line]
    assert set(chosen.split("user classes: ")[1].split(", ")) == classes


def test_a_system_without_credentials_is_skipped_by_name(server, tmp_path):
    fib_only = write_credentials(tmp_path / "fib.json", {"fib": server.credentials["fib"]})
    result = counted_run(server.url, fib_only, (LOGIN,), "--tags", "login")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "skipping UserApiLoginUser: no 'user-api' users" in result.stderr
    assert "skipping DuktigLoginUser: no 'duktig' users" in result.stderr
    assert "user classes: FibLoginUser" in result.stderr


def test_a_run_without_credentials_stops_with_usage_status(server):
    result = counted_run(server.url, None, (LOGIN,))
    assert result.returncode == 2
    assert "--credentials" in result.stderr


def test_master_and_two_workers_share_the_run(server, credentials, tmp_path):
    port = free_port()
    out = tmp_path / "stats"
    master = subprocess.Popen(
        locust_command(
            *COUNTED,
            "--stop-after",
            "10",
            "--stop-rows",
            LOGIN,
            "--host",
            server.url,
            "--credentials",
            credentials,
            "--json-file",
            str(out),
            "--master",
            *master_bind(port),
            "--expect-workers",
            "2",
            "--expect-workers-max-wait",
            "30",
            counted=True,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    workers = [
        subprocess.Popen(
            locust_command(
                "--worker", "--master-host", "127.0.0.1", "--master-port", str(port), counted=True
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    try:
        _, err = master.communicate(timeout=PROCESS_TIMEOUT)
        for worker in workers:
            worker.wait(timeout=15)
    finally:
        for process in [master, *workers]:
            stop(process)
    assert master.returncode == 0, err[-3000:]
    login = rows(out)[("POST", "fib login")]
    assert login.requests > 0 and login.failures == 0
    (tally,) = [line for line in err.splitlines() if "endpoint requests by worker" in line]
    counts = dict(part.strip().split(": ") for part in tally.split("worker:")[-1].split(","))
    assert set(counts) == {"worker 0", "worker 1"}
    assert all(int(n) > 0 for n in counts.values())


def test_local_processes_split_the_accounts(server, credentials, tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("--processes needs fork")
    out = tmp_path / "stats"
    result = counted_run(
        server.url, credentials, (LOGIN,), "--json-file", str(out), "--processes", "2",
        *master_bind(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(out)[("POST", "fib login")].failures == 0
    assert "worker 0:" in result.stderr and "worker 1:" in result.stderr


def _lines_until(process: subprocess.Popen, wanted: int, seconds: float) -> list[list[str]]:
    """Tab-separated output rows of ``process`` until ``wanted`` login rows or the deadline."""
    printed: list[list[str]] = []
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            printed.append([cell.strip() for cell in line.split("\t")])
            if sum(cells[:2] == ["POST", "fib login"] for cells in printed) >= wanted:
                break
    return printed


def test_running_the_locustfile_debugs_one_user(server, credentials):
    """``python load/locustfile.py`` runs one FibLoginUser until stopped, printing requests."""
    process = subprocess.Popen(
        [sys.executable, str(LOCUSTFILE), "--host", server.url, "--credentials", credentials],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        printed = _lines_until(process, wanted=3, seconds=PROCESS_TIMEOUT)
    finally:
        stop(process)
    logins = [cells for cells in printed if cells[:2] == ["POST", "fib login"]]
    assert len(logins) == 3, printed[-20:]
    # The exception column stays empty for a good login.
    assert all(len(cells) > 3 and not cells[3] for cells in logins)
