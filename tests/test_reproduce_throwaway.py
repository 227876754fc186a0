"""A reproducer that uses an account the suite invented runs as written: that account's
password is nobody's secret (drawn from the run's seed), so it is shown, not masked."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import httpx
from in_process import authconform
from independent import user_api

from conformance.engine.masking import MASKED_PREFIX


def _request_of(reproduce: str, path: str) -> tuple[str, dict]:
    """The URL and JSON body of the curl line in ``reproduce`` that goes to ``path``."""
    line = next(line for line in reproduce.splitlines() if line.startswith("curl") and path in line)
    words = shlex.split(line)
    return words[-1], json.loads(words[words.index("--data-raw") + 1])


def test_the_login_of_an_invented_account_logs_in_as_written(tmp_path: Path) -> None:
    url, stop = user_api.serve(0, ["tokens_omit_user_name"])
    try:
        done = authconform("check", url, "--api", "user-api", "--no-fuzz", "--seed", "11",
                           "--report", str(tmp_path))  # fmt: skip
        assert done.returncode == 1, done.stdout[-3000:]
        results = json.loads((tmp_path / "report.json").read_text())["results"]
        failed = next(r for r in results if r["name"] == "login_token_names_the_user")
        target, body = _request_of(failed["reproduce"], "/api/user/login")
        assert MASKED_PREFIX not in body["password"] and body["password"] != "***"
        answer = httpx.post(target, json=body, timeout=10)
    finally:
        stop()
    assert answer.status_code == 200 and answer.json()["token"]
