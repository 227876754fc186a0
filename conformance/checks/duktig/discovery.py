"""Duktig account discovery and guessing: an unknown email and a wrong password answered
alike, in alike times; failed logins throttled (opt-in). The judging is shared
(``conformance.checks.discovery``); this module says how Duktig is reached.

Seed 004 gives one answer to incorrect credentials, 401 "Incorrect credentials", with
no word of which part was wrong: an unknown email answered otherwise than a wrong
password contradicts it, a contract. ``incorrect_credentials_get_401`` names the same
fault when the wrong password's answer is the documented one, so the two are counted
as one. Times and throttling are beyond the seed: advisories (OWASP ASVS 5.0).

Every probe guesses at the credentials file's first active user: Duktig has no signup.
"""

from __future__ import annotations

import httpx

from conformance.checks.discovery import (
    ENUMERATION_SOURCE,
    THROTTLING_SOURCE,
    PasswordLogin,
    answers_alike,
    failed_logins_throttled,
    times_alike,
)
from conformance.checks.duktig.common import TOKEN_PATH, active_user, request_token
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


def _send(ctx: Context, email: str, password: str) -> httpx.Response:
    return request_token(ctx, {"email": email, "password": password})


def _account(ctx: Context) -> tuple[str, str]:
    user = active_user(ctx)
    return user["email"], user["password"]


LOGIN = PasswordLogin(
    operation=f"POST {TOKEN_PATH}",
    send=_send,
    account=_account,
    documented='401 {"status": "error", "message": "Incorrect credentials"} for both '
    "(seed 004: one answer to incorrect credentials, whichever part is wrong)",
)


@check(
    "duktig",
    group="discovery",
    level="contract",
    source=f'seed 004: incorrect credentials get one answer, 401 "Incorrect credentials"; '
    f"{ENUMERATION_SOURCE}",
)
@requires_credentials
def unknown_email_answered_like_wrong_password(ctx: Context) -> None:
    """An unknown email and a wrong password get the same status and body.

    Source: seed 004 documents one answer to incorrect credentials (401 "Incorrect
    credentials"), whichever of email and password is wrong.
    """
    answers_alike(ctx, LOGIN)


@check("duktig", group="discovery", level="advisory", source=ENUMERATION_SOURCE)
@requires_credentials
def unknown_email_refused_in_alike_time(ctx: Context) -> None:
    """An unknown email and a wrong password are refused in alike median times.

    Advisory: OWASP ASVS 5.0 V6.3.8 (valid users cannot be deduced from response
    times). Warned only when one median is 3x the other and 20 ms apart, over 5
    interleaved tries of each.
    """
    times_alike(ctx, LOGIN)


@check("duktig", group="discovery", level="advisory", source=THROTTLING_SOURCE)
@requires_credentials
def failed_logins_are_throttled(ctx: Context) -> None:
    """Repeated wrong passwords for one account meet a 429 or a growing delay (opt-in).

    Advisory: OWASP ASVS 5.0 V6.3.1. Runs only with --probe-throttling N, and guesses at
    the credentials file's first active user, which it may slow or lock: it runs last.
    """
    failed_logins_throttled(ctx, LOGIN)
