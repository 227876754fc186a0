"""Locust runs of the Duktig scenario (load/scenarios/duktig.py) through the locustfile.

It is opt-in: each run picks it by its tag ``duktig``, against the session's reference server.
Each run ends once its row has its count of requests (tests/stop_after.py), not on a clock.
"""

from __future__ import annotations

import pytest
from locust_run import counted_run, rows, write_credentials

TOKEN = ("POST duktig token",)

pytestmark = pytest.mark.load


def test_duktig_sign_ins_run_without_failures_when_tagged(reference_server, tmp_path):
    credentials = write_credentials(tmp_path / "credentials.json", reference_server.credentials)
    out = tmp_path / "stats"
    result = counted_run(
        reference_server.url, credentials, TOKEN, "--json-file", str(out), "--tags", "duktig"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = rows(out)
    token = found[("POST", "duktig token")]
    assert token.requests > 0 and token.failures == 0
    assert set(found) == {("POST", "duktig token")}


def test_duktig_run_with_a_wrong_auth_key_fails(reference_server, tmp_path):
    wrong = {"duktig": {**reference_server.credentials["duktig"], "authKey": "not-the-key"}}
    credentials = write_credentials(tmp_path / "wrong.json", wrong)
    out = tmp_path / "stats"
    result = counted_run(
        reference_server.url, credentials, TOKEN, "--json-file", str(out), "DuktigLoginUser"
    )
    assert result.returncode == 1, result.stderr[-3000:]
    token = rows(out)[("POST", "duktig token")]
    assert token.requests > 0 and token.failures == token.requests
    assert "HTTP 401" in result.stderr
