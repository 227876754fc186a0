"""Reproducers run as written: a real loopback server echoes what the curl lines send."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from loopback import serving_in_thread

from conformance.engine.bounded import BoundedClient
from conformance.engine.context import Context
from conformance.fixloop.reproduce import TOKEN_VARIABLE, reproducer

TOKEN = "tok-" + "x" * 40
RUN_TIMEOUT_SECONDS = 30

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq"
)


class _Echo(http.server.BaseHTTPRequestHandler):
    """POST /login issues a token under awkward keys; PATCH /use echoes what it was sent."""

    def _send(self, value: object) -> None:
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send({"odd key": [{"tok.en": TOKEN}]})

    def do_PATCH(self) -> None:
        sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send({"authorization": self.headers.get("Authorization"), "body": sent.decode()})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    with serving_in_thread(_Echo) as url:
        yield url


def _context(url: str) -> Context:
    return Context(base_url=url, system="fib", client=BoundedClient(timeout=5), spec={})


def _run(lines: str) -> dict:
    commands = [line for line in lines.splitlines() if not line.startswith("#")]
    done = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + "\n".join(commands)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.split("\n\n", 1)[1])


def test_a_token_from_an_earlier_answer_is_fetched_by_the_chain(echo: str) -> None:
    ctx = _context(echo)
    ctx.post("/login", {"email": "a@example.com"})
    ctx.request("PATCH", "/use", headers={"Authorization": f"Bearer {TOKEN}"}, content="x\ny'z")
    lines = reproducer(ctx.last, ctx.history, "fib", None)
    assert TOKEN not in lines
    assert """| jq -r '.["odd key"][0]["tok.en"]'""" in lines
    assert _run(lines) == {"authorization": f"Bearer {TOKEN}", "body": "x\ny'z"}


def test_a_token_no_earlier_answer_issued_becomes_a_placeholder(echo: str) -> None:
    ctx = _context(echo)
    ctx.request("PATCH", "/use", headers={"Authorization": TOKEN})
    lines = reproducer(ctx.last, ctx.history, "fib", None)
    assert TOKEN not in lines
    assert f'"${TOKEN_VARIABLE}"' in lines
    assert lines.startswith(f"# {TOKEN_VARIABLE}: a token the check made or obtained itself")
