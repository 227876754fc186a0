"""User API account discovery and guessing: an unknown email and a wrong password answered
alike, in alike times; failed logins throttled (opt-in). The judging is shared
(``conformance.checks.discovery``); this module says how the User API is reached.

Seed 003 documents no refusal at all, so each claim is an advisory (OWASP ASVS 5.0).
"""

from __future__ import annotations

from conformance.checks.discovery import (
    ENUMERATION_SOURCE,
    THROTTLING_SOURCE,
    PasswordLogin,
    answers_alike,
    failed_logins_throttled,
    times_alike,
)
from conformance.checks.registry import check
from conformance.checks.user_api.account import LOGIN_PATH, fresh_session, login, new_user, signup
from conformance.engine.context import Context


def _session_account(ctx: Context) -> tuple[str, str]:
    user = fresh_session(ctx)["user"]
    return user["email"], user["password"]


def _own_account(ctx: Context) -> tuple[str, str]:
    """An account signed up for the throttling probe alone: no other account is slowed."""
    user = new_user(ctx, "throttled")
    signup(ctx, user)
    return user["email"], user["password"]


LOGIN = PasswordLogin(
    operation=f"POST {LOGIN_PATH}",
    send=login,
    account=_session_account,
    target=_own_account,
    documented="one status and one body for both (OWASP ASVS 5.0 V6.3.8; the project "
    'answers 401 {"error": "invalid_credentials"} to both; seed 003 documents no refusal)',
)


@check("user-api", group="discovery", level="advisory", source=ENUMERATION_SOURCE)
def unknown_email_answered_like_wrong_password(ctx: Context) -> None:
    """An unknown email and a wrong password get the same status and body.

    Advisory: OWASP ASVS 5.0 V6.3.8 (valid users cannot be deduced from error messages or
    codes); seed 003 documents no refusal.
    """
    answers_alike(ctx, LOGIN)


@check("user-api", group="discovery", level="advisory", source=ENUMERATION_SOURCE)
def unknown_email_refused_in_alike_time(ctx: Context) -> None:
    """An unknown email and a wrong password are refused in alike median times.

    Advisory: OWASP ASVS 5.0 V6.3.8 (nor from response times). Warned only when one
    median is 3x the other and 20 ms apart, over 5 interleaved tries of each.
    """
    times_alike(ctx, LOGIN)


@check("user-api", group="discovery", level="advisory", source=THROTTLING_SOURCE)
def failed_logins_are_throttled(ctx: Context) -> None:
    """Repeated wrong passwords for one account meet a 429 or a growing delay (opt-in).

    Advisory: OWASP ASVS 5.0 V6.3.1 (controls against password brute force). Runs only
    with --probe-throttling N, on an account it signs up for itself.
    """
    failed_logins_throttled(ctx, LOGIN)
