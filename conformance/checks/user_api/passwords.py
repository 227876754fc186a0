"""User API long passwords: a 64-character password is accepted, and a longer one is never
cut short (bcrypt reads only 72 bytes). Advisories: OWASP ASVS 5.0 V6.2.9 and V6.2.8.

The User API is the one system whose accounts the suite can make, so only it is probed.
``long_password_is_accepted`` signs up with 64 characters (ASVS's figure) and logs in.
``long_password_is_not_truncated`` signs up with 100 bytes (ASCII: a byte a character),
logs in with them, then with the same first 72 bytes and another tail: that must fail.
A server that refuses the 100-byte signup truncates nothing (refusing is one cure), so
there is nothing to judge.
"""

from __future__ import annotations

import string
from typing import Any

from conformance.checks.controls import Control, is_2xx, require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api.account import (
    LOGIN_PATH,
    SIGNUP_PATH,
    login,
    new_password,
    new_user,
    signup_control,
)
from conformance.checks.user_api.common import BCRYPT_BYTES, LONG_PASSWORD, PERMITTED
from conformance.engine.context import Context
from conformance.engine.invent import PASSWORD_LEVELS, PASSWORD_SYMBOLS, strong_password
from conformance.model import CheckNotApplicable

_ALPHABET = string.ascii_letters + string.digits + PASSWORD_SYMBOLS


def _long_password(ctx: Context, purpose: str, length: int) -> str:
    """A strong password from the run's seed, padded to ``length`` characters."""
    rng = ctx.rng(purpose)
    head = strong_password(rng, PASSWORD_LEVELS[-1])
    return head + "".join(rng.choice(_ALPHABET) for _ in range(length - len(head)))


def _signed_up(ctx: Context, length: int) -> tuple[dict[str, Any], int]:
    """A new user with a ``length``-character password, and the signup's status."""
    user = new_user(ctx, f"{length}-character password")
    user["password"] = _long_password(ctx, f"{length}-character password", length)
    return user, ctx.post(SIGNUP_PATH, user).status_code


@check(
    "user-api",
    group="passwords",
    level="advisory",
    source="ASVS 5.0 V6.2.9: passwords of at least 64 characters are permitted",
)
def long_password_is_accepted(ctx: Context) -> None:
    """A user signed up with a 64-character password logs in with it.

    Advisory: OWASP ASVS 5.0 V6.2.9 (passwords of at least 64 characters are permitted);
    seed 003 sets no limit. A refused signup counts only when the same signup with a
    common password is accepted (its control).
    """
    user, status = _signed_up(ctx, PERMITTED)
    if not is_2xx(status):
        refusal = ctx.last
        control = {**user, "password": new_password(ctx, "control password")}
        require_accepted(ctx, signup_control(control, "the same signup with a common password"))
        ctx.last = refusal
        ctx.fail(
            f"signup with a {PERMITTED}-character password was refused",
            received=f"HTTP {status}",
            documented="passwords of at least 64 characters are permitted (ASVS 5.0 V6.2.9)",
            hint="allow at least 64 characters (128 is common), hashed with a KDF that "
            "reads them all",
            observed=f"POST {SIGNUP_PATH}: a {PERMITTED}-character password refused",
        )
    response = login(ctx, user["email"], user["password"])
    if response.status_code != 200:
        ctx.fail(
            f"login with the {PERMITTED}-character password it signed up with was refused",
            received=f"HTTP {response.status_code}",
            documented="the password an account signed up with logs it in",
            observed=f"POST {LOGIN_PATH}: a {PERMITTED}-character password refused",
        )


@check(
    "user-api",
    group="passwords",
    level="advisory",
    source="ASVS 5.0 V6.2.8: a password is verified exactly as received, never truncated",
)
def long_password_is_not_truncated(ctx: Context) -> None:
    """The same first 72 bytes with another tail do not log in: the whole password counts.

    Advisory: OWASP ASVS 5.0 V6.2.8 (the password is verified exactly as received,
    without truncation); bcrypt reads only 72 bytes, so a server that hands it a longer
    password unprepared lets any tail in.
    """
    user, status = _signed_up(ctx, LONG_PASSWORD)
    if not is_2xx(status):
        raise CheckNotApplicable(
            f"a {LONG_PASSWORD}-byte password was refused at signup (HTTP {status}): "
            "nothing is truncated"
        )
    password = user["password"]
    whole = login(ctx, user["email"], password)
    if whole.status_code != 200:
        ctx.fail(
            f"login with the {LONG_PASSWORD}-byte password it signed up with was refused",
            received=f"HTTP {whole.status_code}",
            documented="the password an account signed up with logs it in, whole",
            observed=f"POST {LOGIN_PATH}: a {LONG_PASSWORD}-byte password refused",
        )
    tail = _long_password(ctx, "other tail", LONG_PASSWORD)[BCRYPT_BYTES:]
    if tail == password[BCRYPT_BYTES:]:
        tail = tail[::-1]
    response = login(ctx, user["email"], password[:BCRYPT_BYTES] + tail)
    if is_2xx(response.status_code):
        ctx.fail(
            f"a password sharing only its first {BCRYPT_BYTES} bytes logged in",
            received=f"HTTP {response.status_code}: the last "
            f"{LONG_PASSWORD - BCRYPT_BYTES} bytes were ignored",
            documented="the password verified exactly as received, never truncated "
            "(ASVS 5.0 V6.2.8)",
            hint=f"bcrypt reads only {BCRYPT_BYTES} bytes: refuse longer passwords or "
            "pre-hash them (or use a KDF without the limit, e.g. scrypt or Argon2)",
            observed=f"POST {LOGIN_PATH}: password truncated at {BCRYPT_BYTES} bytes",
        )
    body = {"email": user["email"], "password": password}
    control = Control(LOGIN_PATH, body, owner=ctx.check_name, what="the whole password's login")
    require_accepted(ctx, control)  # answered above: the earlier 200 is reused
