"""Deliberately broken User API servers, each with one known fault, to prove the checks catch it.

Each variant is a dict of ``running_server`` keyword arguments: ``create_app`` component
replacements (see ``reference_impl.systems.user_api``), or ``wrap=`` WSGI middleware for faults
outside any component. ``BROKEN`` maps a variant to the check that must fail on it;
``OTHER_READING`` answers with statuses seed 003 also allows and must pass.
"""

from __future__ import annotations

from typing import Any

from wsgi_rewrite import request_fields, rewriting

from reference_impl.store import ApiUser, DuplicateUser, Store

SIGNUP_PATH = "/api/user/signup"
LOGIN_PATH = "/api/user/login"


def crash_on_non_string_email(environ: dict, request_body: bytes, status: int, parsed: Any):
    """A 500 whenever the body's email is there but not a string (a missing type check)."""
    fields = request_fields(request_body)
    if fields and "email" in fields and not isinstance(fields["email"], str):
        return 500, {"error": "internal_server_error", "message": "'int' has no attribute 'lower'"}
    return None


# --- faults ----------------------------------------------------------------------------


def _upsert(store: Store, name: str, email: str, password_hash: str) -> ApiUser:
    """INSERT OR REPLACE in spirit: a taken email gets the new password and a 200."""
    try:
        return store.create_api_user(name, email, password_hash)
    except DuplicateUser:
        store.set_api_user_password(email, password_hash)
        existing = store.api_user_by_email(email)
        assert existing is not None
        return existing


def _drop_login_user_name(environ: dict, request_body: bytes, status: int, parsed: Any):
    if environ["PATH_INFO"] == LOGIN_PATH and status == 200 and isinstance(parsed, dict):
        parsed.pop("userName", None)
        return status, parsed
    return None


# --- the other statuses seed 003 allows --------------------------------------------------


def _other_statuses(environ: dict, request_body: bytes, status: int, parsed: Any):
    """400 for a taken email and 403 for bad credentials, where the reference says 409/401."""
    if status == 409:
        return 400, parsed
    if status == 401:
        return 403, parsed
    return None


# variant name -> (running_server keyword arguments, the check that must fail)
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "accepts_wrong_password": (
        {"user_api_password_verifier": lambda *_: True},
        "wrong_password_rejected",
    ),
    "duplicate_signup_takes_over_account": (
        {"user_api_create_user": _upsert},
        "duplicate_signup_rejected",
    ),
    "token_lives_a_day": ({"user_api_token_lifetime": 86_400}, "token_lives_one_hour"),
    "crashes_on_non_string_email": (
        {"wrap": rewriting(crash_on_non_string_email)},
        "no_server_error_on_bad_input",
    ),
    "login_omits_user_name": (
        {"wrap": rewriting(_drop_login_user_name)},
        "signup_then_login_round_trip",
    ),
}

OTHER_READING: dict[str, Any] = {"wrap": rewriting(_other_statuses)}
