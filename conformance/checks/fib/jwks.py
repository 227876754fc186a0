"""FIB published key: tokens from login and refresh verify under the key the target's JWKS
publishes (advisory: the JWKS is a project addition).
"""

from __future__ import annotations

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conformance.checks.fib.keys import server_keys
from conformance.checks.fib.session_common import (
    expect_ok,
    header_of,
    lifecycle,
    login_pair,
    pair_from,
    refresh,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source="project decision: the reference publishes its token key at /.well-known/jwks.json",
)
@lifecycle("refresh")
@requires_credentials
def issued_tokens_verify_with_published_key(ctx: Context) -> None:
    """Tokens from login and refresh carry alg EdDSA and verify under the published key.

    Advisory: the JWKS endpoint is this project's addition; not applicable without it.
    """
    keys = [Ed25519PublicKey.from_public_bytes(raw) for raw in server_keys(ctx)]
    login_tokens = login_pair(ctx)
    body = expect_ok(ctx, refresh(ctx, login_tokens[1]), "refresh with a fresh refresh token")
    pair_from(ctx, body, "refresh response")
    issued = {
        "login accessToken": login_tokens[0],
        "login refreshToken": login_tokens[1],
        "refresh accessToken": body["data"]["accessToken"],
        "refresh refreshToken": body["data"]["refreshToken"],
    }
    for what, token in issued.items():
        alg = header_of(ctx, token, what).get("alg")
        if alg != "EdDSA":
            ctx.fail(
                f"{what} is not signed with EdDSA",
                received=f"alg {alg!r}",
                documented='header {"typ": "JWT", "alg": "EdDSA"}',
            )
        if not any(_verifies(token, key) for key in keys):
            ctx.fail(
                f"{what} does not verify under the published key",
                received=f"{token[:60]}…",
                documented="an EdDSA signature by the key at the JWKS URL",
                hint="publish the key that signs the tokens (or pass the right --jwks-url)",
            )


def _verifies(token: str, key: Ed25519PublicKey) -> bool:
    try:
        jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_exp": False})
    except jwt.PyJWTError:
        return False
    return True
