"""Helpers the User API checks share: seed 003's lifetime and claims, refusals, probes."""

from __future__ import annotations

import time
from typing import Any

import httpx

from conformance import observed
from conformance.checks.common import CLOCK_TOLERANCE_SECONDS, require_jwt
from conformance.checks.controls import Control
from conformance.checks.user_api.account import (
    DOCUMENTED_BODY,
    LOGIN_PATH,
    ROUND_TRIP_CHECK,
    SIGNUP_PATH,
    body_observed,
    new_user,
    submit_signup,
    user_body_problems,
)
from conformance.engine.context import Context

# Long passwords (ASVS 5.0 V6.2.9, V6.2.8): what every server should take, and a length past
# bcrypt's reach (it reads 72 bytes of a password and silently drops the rest).
PERMITTED = 64  # characters every server should take (ASVS 5.0 V6.2.9)
LONG_PASSWORD = 100  # bytes, and characters (ASCII), past bcrypt's reach
BCRYPT_BYTES = 72  # what bcrypt reads of a password; the rest is silently dropped
# Seed 003: "Token is only valid for 1 hour."
TOKEN_LIFETIME_SECONDS = 3600


# A server may read its clock twice (iat, then exp); a second or two apart is still an hour.
LIFETIME_SLACK_SECONDS = 2


SEED_003 = "seed 003"


# Seed 003's example token: its claims and their JSON types.
CLAIM_TYPES = (("userId", str), ("userName", str), ("email", str), ("iat", int), ("exp", int))


SILENT_ON_ERRORS = "a 4xx (seed 003 documents no error codes; this project answers {})"


def is_4xx(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


def refused_without_token(ctx: Context, response: httpx.Response, what: str, ours: str) -> None:
    """Fail unless ``response`` is a 4xx that hands out no token."""
    if not is_4xx(response):
        ctx.fail(
            f"{what} was not refused",
            received=f"HTTP {response.status_code}",
            documented=SILENT_ON_ERRORS.format(ours),
        )
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and body.get("token"):
        ctx.fail(
            f"{what} was answered with a token",
            received=f"HTTP {response.status_code} with a token",
            documented="no token on a refusal",
        )


def claim_observed(claims: dict[str, Any]) -> str:
    """The first documented claim missing or mistyped: the same in two tokens is one fault."""
    for name, kind in CLAIM_TYPES:
        if name not in claims:
            return observed.token_claim(name)
        if not isinstance(claims[name], kind) or isinstance(claims[name], bool):
            return observed.token_claim(name, f"not {'a string' if kind is str else 'an integer'}")
    return ""


def require_documented_fields(ctx: Context, body: Any, what: str) -> None:
    """Fail unless ``body`` (a login answer, judged on its own) has every documented field."""
    problems = user_body_problems(body)
    if problems:
        ctx.fail(
            f"{what} lacks documented fields",
            received="; ".join(problems),
            documented=DOCUMENTED_BODY,
            observed=body_observed(ctx, LOGIN_PATH, body),
        )


def lives_one_hour(ctx: Context, token: Any, what: str) -> None:
    claims = require_jwt(ctx, token, what).claims
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        ctx.fail(
            f"{what} lacks integer iat/exp",
            received=f"iat={iat!r}, exp={exp!r}",
            documented="iat and exp as Unix times (seed 003's example token)",
            observed=claim_observed(claims),
        )
    if abs(exp - iat - TOKEN_LIFETIME_SECONDS) > LIFETIME_SLACK_SECONDS:
        ctx.fail(
            f"{what} does not live one hour",
            received=f"exp - iat = {exp - iat} s",
            documented=f"{TOKEN_LIFETIME_SECONDS} s, ±{LIFETIME_SLACK_SECONDS} s "
            "(seed 003: 'Token is only valid for 1 hour')",
            observed=observed.token_lifetime(exp - iat),
        )
    if exp < time.time() - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "token is already expired",
            received=f"exp={exp}, now={int(time.time())}",
            documented="exp one hour after issue",
            hint="is the server's clock right?",
        )


def login_control(user: dict[str, str], what: str) -> Control:
    """A login refusal's control: the run's account logs in (its failure is the round trip's)."""
    body = {"email": user["email"], "password": user["password"]}
    return Control(LOGIN_PATH, body, owner=ROUND_TRIP_CHECK, what=what)


def schema_probes(ctx: Context) -> list[tuple[str, str, httpx.Response]]:
    """Signup, login, a duplicate, a wrong password, a malformed login and a short password."""
    user = new_user(ctx)
    signed_up = submit_signup(ctx, user)  # a password policy's refusal blocks, or is retried
    requests = (
        (LOGIN_PATH, {"email": user["email"], "password": user["password"]}),
        (SIGNUP_PATH, user),  # duplicate
        (LOGIN_PATH, {"email": user["email"], "password": user["password"] + "-wrong"}),
        (LOGIN_PATH, {"email": 1}),  # malformed
        (SIGNUP_PATH, {**new_user(ctx), "password": "short"}),  # under the project's limit
    )
    answers = [("POST", path, ctx.post(path, payload)) for path, payload in requests]
    return [("POST", SIGNUP_PATH, signed_up), *answers]
