"""The spec's two readings: the documented contract, and the reference's stricter choices."""

from __future__ import annotations

from conformance.fuzz.applicability import not_applicable
from conformance.openapi.files import load_spec
from conformance.openapi.schema import response_errors
from conformance.openapi.view import additions, contract_view, strict_view

LOGIN = "/api/user/login"
TOKEN = "/auth/token"
USER = {"userId": "0b6c2f3e-8f0a-4c51-9f43-2d6f1e0c9a77", "email": "a@b.c", "userName": "a"}
NEST_ERROR = {"statusCode": 400, "message": "email must be an email", "error": "Bad Request"}


def test_overlays_merge_into_the_strict_view_and_leave_the_contract() -> None:
    spec = {
        "a": {"type": "string", "x-authconform-advisory": {"pattern": "^x$", "why": "example"}},
        "r": {"200": {}, "4XX": {}, "x-authconform-advisory": {"4XX": None}},
    }
    assert contract_view(spec) == {"a": {"type": "string"}, "r": {"200": {}, "4XX": {}}}
    assert strict_view(spec) == {"a": {"type": "string", "pattern": "^x$"}, "r": {"200": {}}}
    assert "x-authconform-advisory" in spec["a"]  # the views never change the loaded spec


def test_user_api_contract_takes_any_id_and_any_refusal_the_strict_view_does_not() -> None:
    spec = load_spec("user-api")
    body = {**USER, "token": "a.b.c"}
    contract, strict = contract_view(spec), strict_view(spec)
    assert response_errors(contract, LOGIN, "post", 200, body) == []
    assert any("userId" in e for e in response_errors(strict, LOGIN, "post", 200, body))
    # 400 and 422 with a framework's own error body: any 4xx, any body, in the contract.
    assert response_errors(contract, LOGIN, "post", 400, NEST_ERROR) is None
    assert response_errors(contract, LOGIN, "post", 422, NEST_ERROR) is None
    assert response_errors(strict, LOGIN, "post", 400, NEST_ERROR)
    assert response_errors(strict, LOGIN, "post", 422, NEST_ERROR) is None  # not listed at all


def test_duktig_contract_accepts_null_last_login_and_the_general_error_page_lists() -> None:
    contract, strict = contract_view(load_spec("duktig")), strict_view(load_spec("duktig"))
    ok = {
        "status": "OK",
        "message": "Signed in successfully",
        "lastLogin": None,
        "access_token": "a.b.c",
        "expires_in": 1,
        "refresh_token": "a.b.c",
    }
    assert response_errors(contract, TOKEN, "post", 200, ok) == []
    assert response_errors(strict, TOKEN, "post", 200, ok)
    listed = ["Json Error 4: Syntax error. Required valid json string"]
    assert response_errors(contract, TOKEN, "post", 400, listed) == []
    assert response_errors(contract, TOKEN, "post", 422, ["Required valid json string"]) == []
    assert response_errors(strict, TOKEN, "post", 422, ["Required valid json string"])
    assert response_errors(contract, TOKEN, "post", 401, {"status": "error"})  # seed 004's shape


def test_the_jwks_is_the_only_addition_and_can_be_left_out() -> None:
    spec = load_spec("fib")
    (jwks,) = additions(spec)
    assert (jwks.method, jwks.path, jwks.operation_id) == (
        "get",
        "/.well-known/jwks.json",
        "getJwks",
    )
    assert jwks.path not in contract_view(spec, leave_out=[(jwks.method, jwks.path)])["paths"]
    assert additions(load_spec("user-api")) == [] == additions(load_spec("duktig"))


def test_not_applicable_is_read_from_operations_links_and_security() -> None:
    fib = contract_view(load_spec("fib"))
    idle = not_applicable(fib)
    assert {"use_after_free", "ensure_resource_availability", "object_level_authorization"} <= set(
        idle
    )
    # Refresh and logout declare a security scheme, and answers declare headers.
    assert "ignored_auth" not in idle and "response_headers_conformance" not in idle
    secured_get = {"get": {"operationId": "me", "security": [{"bearer": []}], "responses": {}}}
    deleting = {
        "paths": {
            "/things": {
                "post": {"responses": {"201": {"links": {"Get": {"operationId": "getThing"}}}}}
            },
            "/things/{id}": {"get": {"operationId": "getThing"}, "delete": {}},
            "/me": secured_get,
        }
    }
    idle = not_applicable(deleting)
    assert "use_after_free" not in idle and "ensure_resource_availability" not in idle
    assert "ignored_auth" not in idle
    assert "one identity" in idle["object_level_authorization"]
    no_options = {"phases": {"coverage": {"unexpected-methods": ["TRACE"]}}}
    assert "allow_header_conformance" in not_applicable(deleting, no_options)
