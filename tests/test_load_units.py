"""The Locust-free parts of load/: response shape checks, thresholds, account assignment.

These run in the pytest process; anything importing Locust stays in subprocesses
(tests/test_load.py), because Locust monkey-patches the process with gevent.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conformance.signing import generate_keypair, iroha_hash, sign_email, signing_key
from load.stats.thresholds import Limits, RowStats, breaches
from load.users.accounts import account_index, load_section_users
from load.users.validate import (
    duktig_token_problem,
    fib_logout_problem,
    fib_token_claims_problem,
    fib_token_pair_problem,
    user_api_answer_problem,
)

JWT = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"


def _login_body(**data_overrides) -> bytes:
    data = {"accessToken": JWT, "refreshToken": JWT, "expirationTime": 300, **data_overrides}
    return json.dumps({"status": {"code": 200, "name": "OK"}, "data": data}).encode()


def test_a_documented_login_answer_passes():
    assert fib_token_pair_problem(200, _login_body()) is None


def test_login_failures_name_their_reason():
    assert fib_token_pair_problem(422, b'{"status":{"code":422}}').startswith("HTTP 422")
    assert "not JSON" in fib_token_pair_problem(200, b"<html>")
    assert "accessToken" in fib_token_pair_problem(200, _login_body(accessToken="abc"))
    assert "refreshToken" in fib_token_pair_problem(200, _login_body(refreshToken=None))
    assert "expirationTime" in fib_token_pair_problem(200, _login_body(expirationTime="300"))
    assert "expirationTime" in fib_token_pair_problem(200, _login_body(expirationTime=True))
    wrong_code = json.dumps({"status": {"code": 500}, "data": {}}).encode()
    assert "status" in fib_token_pair_problem(200, wrong_code)
    assert "not an object" in fib_token_pair_problem(200, b"[]")


def test_logout_needs_an_empty_data_object():
    ok = json.dumps({"status": {"code": 200, "name": "OK"}, "data": {}}).encode()
    assert fib_logout_problem(200, ok) is None
    assert "data" in fib_logout_problem(200, ok.replace(b"{}", b"null"))
    assert fib_logout_problem(401, ok).startswith("HTTP 401")


def test_user_api_answers_need_the_user_fields_and_a_jwt():
    good = {"userId": "a" * 24, "email": "a@example.com", "userName": "a", "token": JWT}
    assert user_api_answer_problem(200, json.dumps(good).encode()) is None
    assert user_api_answer_problem(401, b'{"error":"x"}').startswith("HTTP 401")
    assert "not JSON" in user_api_answer_problem(200, b"<html>")
    assert "not an object" in user_api_answer_problem(200, b"[]")
    missing = json.dumps({**good, "userName": ""}).encode()
    assert user_api_answer_problem(200, missing) == "missing or empty: userName"
    assert "token" in user_api_answer_problem(200, json.dumps({**good, "token": "a.b"}).encode())


def test_duktig_answers_need_status_ok_two_jwts_and_an_integer_expiry():
    good = {"status": "OK", "access_token": JWT, "refresh_token": JWT, "expires_in": 1700000000}
    assert duktig_token_problem(200, json.dumps(good).encode()) is None
    assert duktig_token_problem(401, b'{"status":"error"}').startswith("HTTP 401")
    assert "not an object" in duktig_token_problem(200, b'"OK"')
    for field, value in [
        ("status", "error"),
        ("access_token", "x.y"),
        ("refresh_token", None),
        ("expires_in", "1700000000"),
        ("expires_in", False),
    ]:
        problem = duktig_token_problem(200, json.dumps({**good, field: value}).encode())
        assert problem and field in problem, (field, value)


def test_thresholds_are_off_unless_asked():
    row = RowStats("POST fib login", requests=10, failures=10, p95_ms=999.0)
    assert breaches([row], Limits()) == []


def test_fail_ratio_threshold():
    row = RowStats("POST fib login", requests=100, failures=2, p95_ms=1.0)
    assert breaches([row], Limits(max_fail_ratio=0.05)) == []
    (found,) = breaches([row], Limits(max_fail_ratio=0.01))
    assert "failure ratio 0.0200" in found and "POST fib login" in found


def test_latency_alone_still_fails_on_any_failure():
    row = RowStats("POST fib login", requests=100, failures=1, p95_ms=1.0)
    assert len(breaches([row], Limits(max_p95_ms=50))) == 1
    slow = RowStats("POST fib login", requests=100, failures=0, p95_ms=51.0)
    (found,) = breaches([slow], Limits(max_p95_ms=50))
    assert "p95 51 ms" in found


def test_thresholds_fail_when_nothing_was_measured():
    assert breaches([], Limits(max_p95_ms=50))
    assert breaches([RowStats("POST fib login", 0, 0, 0.0)], Limits(max_fail_ratio=1.0))


def test_each_user_gets_its_own_account_while_the_pool_lasts():
    # 2 workers x 3 users over a pool of 6: every account used once.
    picks = [account_index(serial, worker, 2, 6) for worker in (0, 1) for serial in range(3)]
    assert sorted(picks) == list(range(6))
    # Fewer accounts than users: cycle through all of them.
    assert [account_index(s, 0, 1, 3) for s in range(5)] == [0, 1, 2, 0, 1]
    # A worker whose index is not known yet (-1) still gets a valid account.
    assert account_index(0, -1, 2, 3) == 0


def test_credentials_sections_are_read_from_the_file(tmp_path):
    pair = generate_keypair()
    user = {"email": "a@example.com", "privateKeyHex": pair.private_key_hex}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"fib": {"users": [user]}}))
    assert load_section_users(str(path), "fib") == (user,)
    assert load_section_users(str(path), "duktig") == ()


def test_the_load_signature_is_the_fib_signature():
    """The scenario parses the key once and signs the hash itself: same bytes as sign_email."""
    pair = generate_keypair()
    key = signing_key(pair.private_key_hex)
    fast = key.sign(iroha_hash(b"user1@example.com")).signature.hex()
    assert fast == sign_email("user1@example.com", pair.private_key_hex)


def test_the_pure_modules_do_not_import_locust():
    """They are imported by the CLI and the tests, where gevent's patching must not happen.

    Nor jinja2: ``authconform load`` imports the chart and comparison pages' modules, and
    every load process (a worker's too) paid for jinja2's import though only a capacity
    search or a baseline comparison writes a page.
    """
    probe = (
        "import sys, load.users.accounts, load.users.validate, load.stats.summary,"
        " load.stats.thresholds, load.stats.latency, load.command, load.capacity.driver,"
        " load.process.cpu, load.stats.localrow, load.users.wire;"
        "print('locust' in sys.modules, 'gevent' in sys.modules, 'jinja2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


# Run apart: importing Locust patches the process with gevent.
_LISTENERS = """
from locust import events
from locust.env import Environment
from load.users.localstats import only_locust_listens
env = Environment(events=events)
print(only_locust_listens(env))
env.create_local_runner()
print(only_locust_listens(env))
env.events.request.add_listener(lambda **kwargs: None)
print(only_locust_listens(env))
"""


def test_passing_requests_skip_the_event_only_while_locust_stats_alone_listen():
    """No listener, the runner's stats alone, then a user's own listener beside them."""
    out = subprocess.run([sys.executable, "-c", _LISTENERS], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    assert out.stdout.split() == ["False", "True", "False"]


_GEVENT_WAIT = """
from gevent import monkey
monkey.patch_all()
import socket
from load.users.wire import _until_readable
left, right = socket.socketpair()
print(callable(getattr(left, "_wait", None)), getattr(left, "_read_event", None) is not None)
right.send(b"answer")
_until_readable(left)
print(left.recv(10).decode())
"""


def test_under_gevent_the_client_waits_with_the_sockets_own_wait():
    """The lean client waits before its first read through gevent's socket (no failed read
    first): a gevent that renamed that wait would quietly bring the failed reads back."""
    out = subprocess.run([sys.executable, "-c", _GEVENT_WAIT], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    assert out.stdout.split() == ["True", "True", "answer"]


def _issued(email: str = "user0@example.com") -> bytes:
    from reference_impl.auth.tokens_fib import FibTokens

    pair = FibTokens.from_seed(bytes(32)).issue(email=email, account_id="user0@fib")
    return _login_body(accessToken=pair.access_token, refreshToken=pair.refresh_token)


def test_the_sampled_token_check_passes_a_real_pair_and_names_each_fault():
    import base64

    now = time.time()
    good = _issued()
    assert fib_token_pair_problem(200, good) is None
    assert fib_token_claims_problem(good, "user0@example.com", now) is None
    assert "sub is 'user0@example.com'" in fib_token_claims_problem(good, "other@example.com", now)
    assert "already expired" in fib_token_claims_problem(good, "user0@example.com", now + 10**6)
    # A pair from two logins: the refresh token names another access token.
    data, other = json.loads(good)["data"], json.loads(_issued())["data"]
    mixed = _login_body(accessToken=data["accessToken"], refreshToken=other["refreshToken"])
    assert "acjti" in fib_token_claims_problem(mixed, "user0@example.com", now)
    # JWT-shaped, but the header says HS256: every answer's check passes, the sample's not.
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
    hs = f"{header}.{data['accessToken'].split('.', 1)[1]}"
    forged = _login_body(accessToken=hs, refreshToken=data["refreshToken"])
    assert fib_token_pair_problem(200, forged) is None
    assert "expected EdDSA" in fib_token_claims_problem(forged, "user0@example.com", now)
