"""FIB login success: a well-signed login gets 200, the documented body and EdDSA tokens.

The tokens' claims agree with the request (sub, exp, jti, acjti) and with expirationTime.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.common import (
    CLOCK_TOLERANCE_SECONDS,
    check_envelope,
    first_user,
    require_jwt,
)
from conformance.checks.fib.login_common import FIB_SESSION_PATH, fib_login
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.openapi.schema import response_errors
from conformance.openapi.view import contract_view


def _tokens(ctx: Context) -> tuple[dict[str, Any], Any, Any]:
    login = fib_login(ctx)
    data = login["body"]["data"]
    access = require_jwt(ctx, data["accessToken"], "accessToken")
    refresh = require_jwt(ctx, data["refreshToken"], "refreshToken")
    return login, access, refresh


@check(
    "fib",
    group="login",
    source=(
        "seeds 000, 002: 200 with status {code, name, message?} and data {accessToken, "
        "refreshToken, expirationTime}"
    ),
)
@requires_credentials
def correctly_signed_login_succeeds(ctx: Context) -> None:
    """A registered email signed with its key logs in: 200 and the documented body.

    Source: seeds 000 and 002 (200 with status {code, name, message?} and data
    {accessToken, refreshToken, expirationTime}).
    """
    login = fib_login(ctx)
    body = login["body"]
    check_envelope(ctx, body, 200)
    data = body["data"]
    expiration = data.get("expirationTime")
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        ctx.fail(
            "expirationTime is not an integer",
            received=repr(expiration),
            documented="integer($int64)",
        )
    errors = response_errors(contract_view(ctx.spec), FIB_SESSION_PATH, "post", 200, body)
    if errors:
        ctx.fail(
            "200 body does not match the spec's schema",
            received="; ".join(errors[:5]),
            documented="the 200 response schema of spec/fib.openapi.yaml",
        )


@check(
    "fib",
    group="login",
    source="seeds 000-002: the example tokens' header is {\"typ\": \"JWT\", \"alg\": \"EdDSA\"}",
)
@requires_credentials
def tokens_are_eddsa_jwts(ctx: Context) -> None:
    """Both tokens are JWTs signed with EdDSA, as the example tokens' headers say.

    Source: seeds 000-002, whose example tokens carry {"typ": "JWT", "alg": "EdDSA"}.
    """
    _, access, refresh = _tokens(ctx)
    for what, token in (("accessToken", access), ("refreshToken", refresh)):
        alg = token.header.get("alg")
        if alg != "EdDSA":
            ctx.fail(
                f"{what} is not signed with EdDSA",
                received=f"header {token.header}",
                documented='header {"typ": "JWT", "alg": "EdDSA"} (the seed examples)',
                hint="an 'alg: none' token can be forged by anyone"
                if str(alg).lower() == "none"
                else None,
            )
        if not token["signature"]:
            ctx.fail(
                f"{what} has an empty signature",
                received=f"header {token.header}",
                documented="an Ed25519 signature (86 base64url characters)",
            )
        if token.header.get("typ", "JWT") != "JWT":
            ctx.fail(
                f"{what} has an unexpected typ",
                received=f"header {token.header}",
                documented='"typ": "JWT" (or absent)',
            )


@check(
    "fib",
    group="login",
    source="seeds 000-002: the example access token's sub is the email that logged in",
)
@requires_credentials
def access_token_claims_match_request(ctx: Context) -> None:
    """The access token names the user who logged in (sub) and expires in the future.

    Source: seeds 000-002's example access token (sub is the email that logged in).
    """
    login, access, _ = _tokens(ctx)
    email = first_user(ctx)["email"]
    claims = access.claims
    documented = "access claims as in the example: acc, sub (the email), role, exp, jti"
    if claims.get("sub") != email:
        ctx.fail(
            "access token sub is not the email that logged in",
            received=f"sub={claims.get('sub')!r}, email={email!r}",
            documented=documented,
        )
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        ctx.fail("access token has no numeric exp", received=repr(claims), documented=documented)
    if exp <= login["sent_at"] - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "access token is already expired",
            received=f"exp={exp}, now≈{int(login['sent_at'])}",
            documented=documented,
            hint="exp is a Unix time in seconds, after the time of issue",
        )
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        ctx.fail("access token has no jti", received=repr(claims), documented=documented)


@check(
    "fib",
    group="login",
    source="seeds 000-002: the example refresh token's acjti is the access token's jti",
)
@requires_credentials
def refresh_token_references_access_jti(ctx: Context) -> None:
    """The refresh token's acjti is the jti of the access token issued with it.

    Source: seeds 000-002's example pair (the refresh token's acjti is the access jti).
    """
    _, access, refresh = _tokens(ctx)
    documented = "refresh claims as in the example: sub, acjti (= the access token's jti), exp, jti"
    if not access.claims.get("jti") or refresh.claims.get("acjti") != access.claims.get("jti"):
        ctx.fail(
            "refresh token's acjti does not name the access token",
            received=f"acjti={refresh.claims.get('acjti')!r}, "
            f"access jti={access.claims.get('jti')!r}",
            documented=documented,
        )
    exp = refresh.claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        ctx.fail(
            "refresh token has no numeric exp", received=repr(refresh.claims), documented=documented
        )


@check(
    "fib",
    group="login",
    source=(
        "seed 001: expirationTime is Unix epoch seconds; seeds 000-002: every example shows 300, a "
        "lifetime"
    ),
)
@requires_credentials
def expiration_time_matches_exp(ctx: Context) -> None:
    """expirationTime agrees with the access token's exp, read as a lifetime or a Unix time.

    Source: seed 001's table (Unix epoch seconds) and every example (300): both accepted.
    """
    login, access, _ = _tokens(ctx)
    expiration = login["body"]["data"].get("expirationTime")
    exp = access.claims.get("exp")
    documented = (
        "either a lifetime in seconds (every example: 300), so that time of issue + "
        "expirationTime ≈ exp, or a Unix time (seed 001's table), so that expirationTime ≈ exp; "
        f"within {CLOCK_TOLERANCE_SECONDS} s"
    )
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (expiration, exp)):
        ctx.fail(
            "expirationTime or exp is not a number",
            received=f"expirationTime={expiration!r}, exp={exp!r}",
            documented=documented,
        )
    tol = CLOCK_TOLERANCE_SECONDS
    as_lifetime = (
        login["sent_at"] + expiration - tol <= exp <= login["received_at"] + expiration + tol
    )
    as_epoch = abs(expiration - exp) <= tol
    if not (as_lifetime or as_epoch):
        ctx.fail(
            "expirationTime does not match the access token's exp under either reading",
            received=f"expirationTime={expiration}, exp={exp}, issued≈{int(login['sent_at'])}",
            documented=documented,
        )


@check(
    "fib",
    group="login",
    source=(
        "seeds 000-002: the example tokens carry jti; RFC 7519 §4.1.7: a jti MUST be assigned so "
        "that it is not reused by accident"
    ),
)
@requires_credentials
def logins_issue_distinct_jti(ctx: Context) -> None:
    """Two logins give tokens with different jti, so each can be revoked on its own.

    Source: the example tokens' jti claim, a unique token id by RFC 7519 §4.1.7.
    """
    tokens = []
    for _ in range(2):
        data = fib_login(ctx, fresh=True)["body"]["data"]
        tokens.append(
            (
                require_jwt(ctx, data["accessToken"], "accessToken"),
                require_jwt(ctx, data["refreshToken"], "refreshToken"),
            )
        )
    (access1, refresh1), (access2, refresh2) = tokens
    documented = "jti is a unique id per token (the example shows UUIDs)"
    if access1.claims.get("jti") == access2.claims.get("jti"):
        ctx.fail(
            "two logins issued access tokens with the same jti",
            received=f"jti={access1.claims.get('jti')!r} twice",
            documented=documented,
            hint="generate a fresh UUID for every token",
        )
    if refresh1.claims.get("jti") == refresh2.claims.get("jti"):
        ctx.fail(
            "two logins issued refresh tokens with the same jti",
            received=f"jti={refresh1.claims.get('jti')!r} twice",
            documented=documented,
            hint="generate a fresh UUID for every token",
        )
