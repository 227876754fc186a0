"""Locust runs of the User API scenarios (load/scenarios/user_api.py) through the locustfile.

They are opt-in: each run names its class or tag, against the session's reference server.
Each run ends once its row has its count of requests (tests/stop_after.py), not on a clock.
"""

from __future__ import annotations

import pytest
from locust_run import counted_run, rows, write_credentials

pytestmark = pytest.mark.load


@pytest.fixture
def credentials(reference_server, tmp_path) -> str:
    return write_credentials(tmp_path / "credentials.json", reference_server.credentials)


def test_user_api_logins_run_without_failures_when_named(reference_server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = counted_run(
        reference_server.url, credentials, ("POST user-api login",), "--json-file", str(out),
        "UserApiLoginUser",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = rows(out)
    login = found[("POST", "user-api login")]
    assert login.requests > 0 and login.failures == 0
    assert ("POST", "user-api signup") not in found  # opt-in only
    assert ("POST", "fib login") not in found  # only the named class runs


def test_user_api_signups_run_when_tagged(reference_server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = counted_run(
        reference_server.url, credentials, ("POST user-api signup",), "--json-file", str(out),
        "--tags", "signup",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    signup = rows(out)[("POST", "user-api signup")]
    assert signup.requests > 0 and signup.failures == 0
    assert "user classes: UserApiSignupUser" in result.stderr
