"""Duktig sign-in answers: the documented 401 and 403 bodies, the 200 body with its
expires_in and lastLogin, and the tokens' headers and claims.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from conformance.checks.common import CLOCK_TOLERANCE_SECONDS, require_jwt
from conformance.checks.controls import require_accepted
from conformance.checks.duktig.common import (
    ACCESS_CLAIMS,
    ACCOUNT_FIELDS,
    DOCUMENTED_OK,
    INACTIVE_MESSAGE,
    INCORRECT_CREDENTIALS,
    LAST_LOGIN_FORMAT,
    LAST_LOGIN_SHAPE,
    SIGN_IN_CHECK,
    SIGNED_IN,
    TIME_CLAIMS,
    TOKEN_PATH,
    active_user,
    inactive_user,
    request_token,
    sign_in,
    sign_in_control,
    unknown_email,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.model import CheckBlocked


def _expect_error_body(
    ctx: Context,
    response: httpx.Response,
    status: int,
    message: str,
    what: str,
    observed: str | None = None,
) -> None:
    documented = f'{status} {{"status": "error", "message": "{message}"}} (seed 004)'
    if response.status_code != status:
        ctx.fail(
            f"{what} did not get {status}",
            received=f"HTTP {response.status_code}",
            documented=documented,
            observed=observed,
        )
    body = ctx.json_of(response)
    if (
        not isinstance(body, dict)
        or body.get("status") != "error"
        or body.get("message") != message
    ):
        ctx.fail(
            f"{what}: {status} body differs from the documented one",
            received=repr(body)[:300],
            documented=documented,
            observed=observed,
        )


@check(
    "duktig",
    group="login",
    source='seed 004: 401 {"status": "error", "message": "Incorrect credentials"}',
)
@requires_credentials
def incorrect_credentials_get_401(ctx: Context) -> None:
    """A wrong password for a known user, and an unknown email, both get the documented 401.

    Source: seed 004 (401 {"status": "error", "message": "Incorrect credentials"}).
    """
    user = active_user(ctx)
    wrong = request_token(ctx, {"email": user["email"], "password": user["password"] + "-x"})
    _expect_error_body(ctx, wrong, 401, INCORRECT_CREDENTIALS, "a wrong password")
    require_accepted(ctx, sign_in_control(ctx, "the same sign-in with the right password"))
    unknown = request_token(ctx, {"email": unknown_email(ctx), "password": "Secret-123"})
    # The wrong password got the documented answer: if this one differs, it is also the
    # fault unknown_email_answered_like_wrong_password names (one fault, counted once).
    _expect_error_body(
        ctx,
        unknown,
        401,
        INCORRECT_CREDENTIALS,
        "an unknown email",
        observed=f"POST {TOKEN_PATH}: unknown email answered unlike a wrong password",
    )


@check(
    "duktig",
    group="login",
    source='seed 004: 403 "Due to the status of your account, ..." for an inactive account',
)
@requires_credentials
def inactive_account_gets_403(ctx: Context) -> None:
    """An inactive account with its correct password gets the documented 403 and no tokens.

    Source: seed 004 (403, "Due to the status of your account, ...").
    """
    user = inactive_user(ctx)
    response = request_token(ctx, {"email": user["email"], "password": user["password"]})
    _expect_error_body(ctx, response, 403, INACTIVE_MESSAGE, "an inactive account")


@check(
    "duktig",
    group="login",
    source="seed 004: 200 {status OK, message, lastLogin, access_token, expires_in, refresh_token}",
)
@requires_credentials
def success_body_has_documented_fields(ctx: Context) -> None:
    """A successful sign-in answers status "OK", the documented message and every field.

    Source: seed 004's success response. lastLogin may be null: it is the previous
    sign-in, and a first sign-in has none (Duktig itself answers null then).
    """
    body = sign_in(ctx)
    problems = []
    if body.get("status") != "OK":
        problems.append(f"status={body.get('status')!r}")
    if body.get("message") != SIGNED_IN:
        problems.append(f"message={body.get('message')!r}")
    if "lastLogin" not in body or not isinstance(body["lastLogin"], str | None):
        problems.append(f"lastLogin={body.get('lastLogin', '(absent)')!r}")
    for name in ("access_token", "refresh_token"):
        if not isinstance(body.get(name), str) or not body.get(name):
            problems.append(f"{name}={body.get(name)!r}")
    expires = body.get("expires_in")
    if not isinstance(expires, int) or isinstance(expires, bool):
        problems.append(f"expires_in={expires!r}")
    if problems:
        ctx.fail(
            "sign-in body differs from the documented one",
            received=", ".join(problems),
            documented=DOCUMENTED_OK,
        )


@check(
    "duktig",
    group="tokens",
    source='seed 004: "The expires_in is the access token expiration time in unix format"',
)
@requires_credentials
def expires_in_matches_access_exp(ctx: Context) -> None:
    """expires_in is a Unix time in the future, equal to the access token's exp.

    Source: seed 004 ("The expires_in is the access token expiration time in unix format").
    """
    body = sign_in(ctx)
    expires = body.get("expires_in")
    exp = require_jwt(ctx, body.get("access_token"), "access_token").claims.get("exp")
    documented = (
        "expires_in = access token exp, a Unix time (seed 004: 'expiration time in unix format')"
    )
    if not isinstance(expires, int) or isinstance(expires, bool) or expires != exp:
        ctx.fail(
            "expires_in is not the access token's exp",
            received=f"expires_in={expires!r}, exp={exp!r}",
            documented=documented,
        )
    if expires < time.time() - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "expires_in is in the past",
            received=f"{expires} (now {int(time.time())})",
            documented=documented,
            hint="a lifetime in seconds is not a Unix time",
        )


@check("duktig", group="login", source='seed 004: lastLogin is written "2019-11-15 11:55:37"')
@requires_credentials
def last_login_has_documented_format(ctx: Context) -> None:
    """lastLogin is a real date and time written "YYYY-MM-DD HH:MM:SS" once there was a login.

    Source: seed 004's example ("2019-11-15 11:55:37"). Null is the answer on a first
    sign-in (no previous one), so a null is judged by signing in once more.
    """
    body = sign_in(ctx)
    if "lastLogin" not in body:
        raise CheckBlocked(SIGN_IN_CHECK, "the sign-in answer has no lastLogin to judge")
    value = body["lastLogin"]
    documented = (
        '"YYYY-MM-DD HH:MM:SS", e.g. "2019-11-15 11:55:37" (seed 004); null only on a '
        "user's first sign-in"
    )
    if value is None:
        value = sign_in(ctx, fresh=True).get("lastLogin")
        if value is None:
            ctx.fail(
                "lastLogin is null although the user signed in just before",
                received="null on the second sign-in in a row",
                documented=documented,
            )
    try:
        ok = isinstance(value, str) and bool(LAST_LOGIN_SHAPE.match(value))
        if ok:
            datetime.strptime(value, LAST_LOGIN_FORMAT)
    except ValueError:
        ok = False
    if not ok:
        ctx.fail(
            "lastLogin is not in the documented format", received=repr(value), documented=documented
        )


def _claim_problems(claims: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    problems = [f"{name} missing" for name in names if name not in claims]
    problems += [
        f"{name}={claims[name]!r} is not an integer"
        for name in TIME_CLAIMS
        if name in claims and (not isinstance(claims[name], int) or isinstance(claims[name], bool))
    ]
    problems += [
        f"{name}={claims[name]!r} is not a string"
        for name in ("iss", "aud", "sub", "jti")
        if name in claims and not isinstance(claims[name], str)
    ]
    return problems


@check(
    "duktig",
    group="tokens",
    source="seed 004: the example tokens are HS256 JWTs, typ and cty JWT, with their claims",
)
@requires_credentials
def tokens_have_documented_claims(ctx: Context) -> None:
    """Both tokens are HS256 JWTs with typ/cty JWT and the claims of seed 004's example.

    Source: seed 004's example access and refresh tokens (headers and claims).
    """
    body = sign_in(ctx)
    documented = (
        'header {"typ": "JWT", "cty": "JWT", "alg": "HS256"}; claims iss, aud, sub, jti '
        "(strings), nbf, iat, exp (integers), account {userId, firstName, lastName, email, "
        "roleId} (refresh token: account {userId}); exp after nbf/iat, refresh exp after "
        "access exp (lifetimes of 1 and 30 days are only the example's, not required)"
    )
    access = require_jwt(ctx, body.get("access_token"), "access_token")
    refresh = require_jwt(ctx, body.get("refresh_token"), "refresh_token")
    problems: list[str] = []
    for label, token in (("access", access), ("refresh", refresh)):
        header = token.header
        if header.get("alg") != "HS256" or header.get("typ") != "JWT" or header.get("cty") != "JWT":
            problems.append(f"{label} header {header!r}")
        problems += [f"{label} {p}" for p in _claim_problems(token.claims, ACCESS_CLAIMS)]
    account = access.claims.get("account")
    if not isinstance(account, dict):
        problems.append(f"access account={account!r}")
    else:
        problems += [f"access account.{f} missing" for f in ACCOUNT_FIELDS if f not in account]
    refresh_account = refresh.claims.get("account")
    if not isinstance(refresh_account, dict) or "userId" not in refresh_account:
        problems.append(f"refresh account={refresh_account!r}")
    if not problems:
        a, r = access.claims, refresh.claims
        if not a["exp"] > a["iat"] >= a["nbf"] - CLOCK_TOLERANCE_SECONDS:
            problems.append(f"access nbf/iat/exp out of order: {a['nbf']}/{a['iat']}/{a['exp']}")
        if not r["exp"] > a["exp"]:
            problems.append(f"refresh exp {r['exp']} is not after access exp {a['exp']}")
        if isinstance(account, dict) and account.get("userId") != refresh_account.get("userId"):
            problems.append("access and refresh tokens name different users")
    if problems:
        ctx.fail(
            "tokens lack documented parts", received="; ".join(problems), documented=documented
        )
