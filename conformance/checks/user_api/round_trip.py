"""Signup, then login with the same credentials, and the one-hour HS256 token (seed 003)."""

from __future__ import annotations

from conformance import observed
from conformance.checks.common import require_jwt
from conformance.checks.registry import check
from conformance.checks.user_api.account import (
    DOCUMENTED_BODY,
    PLAIN_USER_HINT,
    SIGNUP_PATH,
    body_observed,
    fresh_session,
    login,
    new_user,
    signup,
    signup_token,
    submit_signup,
    user_body_problems,
)
from conformance.checks.user_api.common import (
    claim_observed,
    lives_one_hour,
    require_documented_fields,
)
from conformance.engine.context import Context


@check("user-api", group="signup", source="seed 003: signup answers 200")
def signup_answers_200(ctx: Context) -> None:
    """A signup with a fresh email is answered 200, the one status seed 003 documents for it.

    Source: seed 003 (signup: "Response 200"). A 201 serves as well in practice, so the
    other checks go on with it; this check alone reports the difference.
    """
    response = submit_signup(ctx, new_user(ctx))
    if response.status_code != 200:
        ctx.fail(
            f"signup of a new user was answered {response.status_code}, not 200",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_BODY,
            hint=PLAIN_USER_HINT,
            observed=observed.status(f"POST {SIGNUP_PATH}", response.status_code),
        )


@check(
    "user-api",
    group="login",
    source="seed 003: signup and login both answer 200 {userId, email, userName, token}",
)
def signup_then_login_round_trip(ctx: Context) -> None:
    """A new user can sign up, then log in with the same email and password.

    Source: seed 003 (signup and login both answer 200 {userId, email, userName, token}).
    """
    user = new_user(ctx)
    created = signup(ctx, user)
    problems = user_body_problems(created)
    if problems:
        ctx.fail(
            "signup answer lacks documented fields",
            received="; ".join(problems),
            documented=DOCUMENTED_BODY,
            observed=body_observed(ctx, SIGNUP_PATH, created),
        )
    if created["email"].lower() != user["email"].lower() or created["userName"] != user["name"]:
        ctx.fail(
            "signup answer describes another user",
            received=f"email={created['email']!r}, userName={created['userName']!r}",
            documented=f"email={user['email']!r}, userName={user['name']!r} (the signup's own)",
        )
    response = login(ctx, user["email"], user["password"])
    if response.status_code != 200:
        ctx.fail(
            "login right after signup was refused",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_BODY,
        )
    body = ctx.json_of(response)
    require_documented_fields(ctx, body, "login answer")
    if body["userId"] != created["userId"]:
        ctx.fail(
            "login names another userId than signup did",
            received=f"signup userId={created['userId']!r}, login userId={body['userId']!r}",
            documented="the same user both times",
        )


@check(
    "user-api",
    group="login",
    source="seed 003: the example token is HS256 with userId, userName, email, iat and exp",
)
def token_is_hs256_jwt_with_documented_claims(ctx: Context) -> None:
    """The token is an HS256 JWT whose userId, userName and email match the body.

    Source: seed 003's example token (header HS256/JWT; claims userId, userName, email,
    iat, exp, the same as the body's).
    """
    body = fresh_session(ctx)["body"]
    jwt = require_jwt(ctx, signup_token(ctx), "token")
    documented = (
        'header {"alg": "HS256", "typ": "JWT"}; claims userId, userName, email (strings), '
        "iat, exp (integers), as in seed 003's example token"
    )
    if jwt.header.get("alg") != "HS256" or str(jwt.header.get("typ", "JWT")).upper() != "JWT":
        ctx.fail("token header is not HS256/JWT", received=repr(jwt.header), documented=documented)
    claims = jwt.claims
    wrong = [
        f"{k}={claims.get(k)!r}"
        for k in ("userId", "userName", "email")
        if not isinstance(claims.get(k), str)
    ]
    wrong += [
        f"{k}={claims.get(k)!r}"
        for k in ("iat", "exp")
        if not isinstance(claims.get(k), int) or isinstance(claims.get(k), bool)
    ]
    if wrong:
        ctx.fail(
            "token claims are missing or mistyped",
            received=", ".join(wrong),
            documented=documented,
            observed=claim_observed(claims),
        )
    mismatched = [
        f"{claim}={claims[claim]!r} but body {field}={body[field]!r}"
        for claim, field in (("userId", "userId"), ("userName", "userName"), ("email", "email"))
        if field in body and claims[claim] != body[field]  # an absent field is another check's
    ]
    if mismatched:
        ctx.fail(
            "token claims disagree with the body",
            received="; ".join(mismatched),
            documented="the token describes the user the body names",
        )


@check(
    "user-api",
    group="login",
    source='seed 003: "Token is only valid for 1 hour", and signup answers the same token',
)
def token_lives_one_hour(ctx: Context) -> None:
    """The signup token's exp is one hour after its iat, and that hour has not already passed.

    Source: seed 003 ("Token is only valid for 1 hour"; signup answers the same token).
    """
    lives_one_hour(ctx, signup_token(ctx), "signup token")
