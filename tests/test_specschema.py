"""Holding a response to the schema the spec documents for it, $refs resolved inside the spec."""

from __future__ import annotations

from conformance.openapi.files import load_spec
from conformance.openapi.schema import response_errors

SESSION = "/auth/api/v1/authentication-management/session"
TOKENS = {"accessToken": "a.b.c", "refreshToken": "d.e.f", "expirationTime": 300}


def test_a_documented_body_has_no_errors() -> None:
    body = {"status": {"code": 200, "name": "OK"}, "data": TOKENS}
    assert response_errors(load_spec("fib"), SESSION, "POST", 200, body) == []


def test_a_missing_token_is_named() -> None:
    data = {k: v for k, v in TOKENS.items() if k != "refreshToken"}
    body = {"status": {"code": 200, "name": "OK"}, "data": data}
    errors = response_errors(load_spec("fib"), SESSION, "post", "200", body)
    assert errors == ["data: 'refreshToken' is a required property"]


def test_error_envelopes_are_held_to_their_shared_schema() -> None:
    errors = response_errors(load_spec("fib"), SESSION, "post", 422, {"status": {"code": 422}})
    assert errors == ["status: 'name' is a required property"]


def test_an_undocumented_status_has_no_schema_to_break() -> None:
    assert response_errors(load_spec("fib"), SESSION, "post", 418, {}) is None
    assert response_errors(load_spec("fib"), "/no/such/path", "post", 200, {}) is None
