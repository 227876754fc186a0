"""Deliberately broken Duktig servers, each with one known fault, to prove the checks catch it.

Same shape as ``broken_user_api``: ``BROKEN`` maps a variant (``running_server`` keyword
arguments) to the check that must fail on it; ``OTHER_READING`` answers the way seed 004
also allows (403 for a bad key, both email messages for a missing email) and must pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
from broken_user_api import crash_on_non_string_email
from wsgi_rewrite import Rewrite, WSGIApp, request_fields, rewriting

from reference_impl.auth import server_keys

AUTH_ENVIRON_KEY = "HTTP_X_AUTH_KEY"


def _injecting_auth_key(app: Any) -> WSGIApp:
    """A front end that fills in the configured key itself: the key no longer protects anything."""
    key = server_keys.duktig_auth_key(app.store)

    def middleware(environ: dict, start_response: Callable) -> Any:
        environ[AUTH_ENVIRON_KEY] = key
        return app(environ, start_response)

    return middleware


def _expires_in_as_lifetime(environ: dict, request_body: bytes, status: int, parsed: Any):
    """expires_in as seconds to live (86400) rather than the documented Unix time."""
    if status == 200 and isinstance(parsed, dict) and "expires_in" in parsed:
        parsed["expires_in"] = 86_400
        return status, parsed
    return None


def _paraphrased_strength(environ: dict, request_body: bytes, status: int, parsed: Any):
    """The password-length rule reworded: right status, not the documented message."""
    if status == 422 and isinstance(parsed, dict) and "password" in parsed:
        parsed["password"] = ["Password must be 6 to 256 characters"]
        return status, parsed
    return None


def _account_of_another_user(environ: dict, request_body: bytes, status: int, parsed: Any):
    """The access token's account describes a different user than the one who signed in."""
    if status == 200 and isinstance(parsed, dict) and parsed.get("access_token"):
        claims = jwt.decode(parsed["access_token"], options={"verify_signature": False})
        claims["account"] = {**claims.get("account", {}), "email": "somebody.else@example.com"}
        parsed["access_token"] = jwt.encode(
            claims, "a-key-of-32-bytes-or-more-for-hs256!", "HS256", headers={"cty": "JWT"}
        )
        return status, parsed
    return None


# --- the other readings seed 004 allows --------------------------------------------------


def duktig_itself() -> Rewrite:
    """What Duktig.Microservice answers where the reference reads seed 004 otherwise.

    lastLogin is the *previous* sign-in (null on a user's first), an undeclared method gets
    404 ``{"status": "error", "message": "Resource not found"}``, and a body that is not
    JSON gets 422 ``["Required valid json string"]``. One instance keeps its own memory.
    """
    previous: dict[str, str | None] = {}

    def rewrite(environ: dict, request_body: bytes, status: int, parsed: Any):
        if status == 405:
            return 404, {"status": "error", "message": "Resource not found"}
        if status == 400 and request_fields(request_body) is None:
            try:
                json.loads(request_body)
            except ValueError:
                return 422, ["Required valid json string"]
        if status == 200 and isinstance(parsed, dict) and "lastLogin" in parsed:
            email = str((request_fields(request_body) or {}).get("email", "")).lower()
            parsed["lastLogin"], previous[email] = previous.get(email), parsed["lastLogin"]
            return status, parsed
        return None

    return rewrite


def _other_reading(environ: dict, request_body: bytes, status: int, parsed: Any):
    """403 with its own sentence for a bad key; a missing email listed with both messages."""
    if status == 401 and isinstance(parsed, dict) and parsed.get("message", "").endswith("Key"):
        return 403, {"status": "error", "message": "Forbidden"}
    fields = request_fields(request_body)
    if status == 422 and fields is not None and "email" not in fields:
        parsed["email"] = ["Required value", "Required valid email address"]
        return status, parsed
    return None


# variant name -> (running_server keyword arguments, the check that must fail)
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "ignores_auth_key": ({"wrap": _injecting_auth_key}, "missing_auth_key_rejected"),
    "accepts_wrong_password": (
        {"duktig_password_verifier": lambda *_: True},
        "incorrect_credentials_get_401",
    ),
    "inactive_account_signs_in": (
        {"duktig_may_sign_in": lambda _user: True},
        "inactive_account_gets_403",
    ),
    "iso_8601_last_login": (
        {"duktig_last_login_format": "%Y-%m-%dT%H:%M:%SZ"},
        "last_login_has_documented_format",
    ),
    "crashes_on_non_string_email": (
        {"wrap": rewriting(crash_on_non_string_email)},
        "no_server_error_on_bad_input",
    ),
    "expires_in_is_a_lifetime": (
        {"wrap": rewriting(_expires_in_as_lifetime)},
        "expires_in_matches_access_exp",
    ),
    "paraphrased_strength_message": (
        {"wrap": rewriting(_paraphrased_strength)},
        "short_password_gets_strength_message",
    ),
    "token_names_another_user": (
        {"wrap": rewriting(_account_of_another_user)},
        "token_account_names_the_signed_in_user",
    ),
}

OTHER_READING: dict[str, Any] = {"wrap": rewriting(_other_reading)}
