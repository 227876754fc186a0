"""Deliberately broken Duktig servers, each with one known fault, to prove the checks catch it.

Same shape as ``broken_user_api``: ``BROKEN`` maps a variant (``running_server`` keyword
arguments) to the check that must fail on it; ``OTHER_READING`` answers the way seed 004
also allows (403 for a bad key, both email messages for a missing email) and must pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from broken_user_api import crash_on_non_string_email
from wsgi_rewrite import WSGIApp, request_fields, rewriting

from reference_impl import server_keys

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


# --- the other readings seed 004 allows --------------------------------------------------


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
}

OTHER_READING: dict[str, Any] = {"wrap": rewriting(_other_reading)}
