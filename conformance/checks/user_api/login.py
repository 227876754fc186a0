"""The login answer judged on its own: its fields, its token's claims and lifetime (seed 003)."""

from __future__ import annotations

from conformance.checks.common import require_jwt
from conformance.checks.registry import check
from conformance.checks.user_api.account import absent_in, login_session, mismatches
from conformance.checks.user_api.common import (
    SEED_003,
    claim_observed,
    lives_one_hour,
    require_documented_fields,
)
from conformance.engine.context import Context


@check(
    "user-api",
    group="login",
    source=(
        "seed 003: login \"Return user data\"; the example's userName is the name, not the email"
    ),
)
def login_answer_names_the_user(ctx: Context) -> None:
    """Login answers the user who logged in: their userId, email, and name as userName.

    Source: seed 003 (login: "Return user data"; in its example userName is the name
    'admin1', not the email admin1@user.com).
    """
    body, expected = login_session(ctx)
    require_documented_fields(ctx, body, "login answer")  # login's own answer, judged here
    wrong = mismatches(body, expected)
    if wrong:
        ctx.fail(
            "login answer describes another user",
            received="; ".join(wrong),
            documented="the user who logged in: userName is the name given at signup "
            f"({SEED_003}: userName 'admin1' for admin1@user.com)",
        )


@check(
    "user-api",
    group="login",
    source='seed 003: "Return user data with signed-in token", an HS256 JWT naming the same user',
)
def login_token_names_the_user(ctx: Context) -> None:
    """The login token is an HS256 JWT whose userId, userName and email are the user's.

    Source: seed 003 (login: "Return user data with signed-in token"; the example token's
    header is HS256/JWT and its claims name the same user as the body).
    """
    body, expected = login_session(ctx)
    absent_in(body, ("token",), "login_answer_names_the_user")
    jwt = require_jwt(ctx, body["token"], "login token")
    if jwt.header.get("alg") != "HS256":
        ctx.fail(
            "login token is not HS256",
            received=repr(jwt.header),
            documented='header {"alg": "HS256", "typ": "JWT"} (seed 003\'s example token)',
        )
    absent = [claim for claim in expected if claim not in jwt.claims]
    if absent:
        ctx.fail(
            f"login token lacks the claim{'s' if len(absent) > 1 else ''} {', '.join(absent)}",
            received=f"claims {', '.join(sorted(jwt.claims))}",
            documented="claims userId, userName, email of the user who logged in "
            f"({SEED_003}'s example token)",
            observed=claim_observed(jwt.claims),
        )
    named = mismatches(jwt.claims, expected)
    if named:
        ctx.fail(
            "login token's claims name another user",
            received="; ".join(named),
            documented="claims userId, userName, email of the user who logged in "
            f"({SEED_003}'s example token)",
        )


@check("user-api", group="login", source='seed 003: "Token is only valid for 1 hour."')
def login_token_lives_one_hour(ctx: Context) -> None:
    """The login token's exp is one hour after its iat (two seconds' slack).

    Source: seed 003, login: "Token is only valid for 1 hour."
    """
    body, _ = login_session(ctx)
    absent_in(body, ("token",), "login_answer_names_the_user")
    lives_one_hour(ctx, body["token"], "login token")
