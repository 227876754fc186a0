"""FIB forged tokens: unsigned, tampered, stranger-signed and HS256-with-the-public-key tokens
are refused on both lifecycle routes.
"""

from __future__ import annotations

import time
from typing import Any

import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conformance.checks.fib.forging import (
    OWN_TOKENS_SOURCE,
    b64url,
    forge_token,
    hs256,
    refuse_forgeries,
    segment,
)
from conformance.checks.fib.keys import server_keys
from conformance.checks.fib.session_common import (
    claims_of,
    expect_refused,
    lifecycle,
    login_pair,
    logout,
    refresh,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context

# An altered token is one the server did not sign: the docs' claim plus the JWT MUST.
TAMPER_SOURCE = (
    "FIB docs: refresh and logout take the server's own tokens; RFC 7519 §7.2: a JWT that "
    "fails validation MUST be rejected"
)


def _hmac_secrets(raw: bytes) -> dict[str, bytes]:
    """Forms of an Ed25519 public key a confused verifier might use as an HMAC secret."""
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "raw key bytes": raw,
        "PEM": pem,
        "PEM without final newline": pem.rstrip(b"\n"),
        "hex": raw.hex().encode("ascii"),
        "JWK x": b64url(raw).encode("ascii"),
    }


@check("fib", group="lifecycle", source=OWN_TOKENS_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def unsigned_token_is_rejected(ctx: Context) -> None:
    """A token re-issued with ``alg: none`` and no signature is refused on both routes.

    Source: seeds 000-002 (the tokens are EdDSA JWTs the server signs) and the FIB docs'
    refresh/logout, which take the server's own tokens.
    """

    def make(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return forge_token({**header, "alg": "none"}, claims, lambda _data: b"")

    refuse_forgeries(
        ctx,
        login_pair(ctx),
        make,
        "with alg 'none' and no signature",
        hint="pin the verification algorithm to EdDSA; never read it from the token",
    )


@check("fib", group="lifecycle", source=TAMPER_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def tampered_payload_is_rejected(ctx: Context) -> None:
    """A genuine token whose payload was altered (exp pushed back) but signature kept is refused."""
    access, refresh_token = login_pair(ctx)
    for token, what, send in (
        (refresh_token, "refresh token", refresh),
        (access, "access token", logout),
    ):
        head, _, signature = token.split(".")
        claims = claims_of(ctx, token, what)
        if isinstance(claims.get("exp"), int):
            claims["exp"] += 3600
        else:
            claims["exp"] = int(time.time()) + 3600
        tampered = f"{head}.{segment(claims)}.{signature}"
        expect_refused(
            ctx,
            send(ctx, tampered),
            f"{what} with a tampered payload",
            hint="verify the signature over header and payload before reading claims",
        )


@check("fib", group="lifecycle", source=TAMPER_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def token_signed_by_another_key_is_rejected(ctx: Context) -> None:
    """A token with genuine claims, EdDSA-signed by a key that is not the server's, is refused."""
    stranger = nacl.signing.SigningKey(ctx.rng("stranger").randbytes(32))

    def make(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return forge_token(
            {**header, "alg": "EdDSA"}, claims, lambda data: stranger.sign(data).signature
        )

    refuse_forgeries(
        ctx,
        login_pair(ctx),
        make,
        "signed by a stranger's Ed25519 key",
        hint="verify with the server's own public key",
    )


@check("fib", group="lifecycle", source=OWN_TOKENS_SOURCE)
@lifecycle("refresh", "logout")
@requires_credentials
def hs256_token_keyed_with_public_key_is_rejected(ctx: Context) -> None:
    """An HS256 token whose HMAC key is the server's published public key is refused.

    Source: as for unsigned tokens. Not applicable when the target publishes no key.
    """
    keys = server_keys(ctx)
    pair = login_pair(ctx)  # forgeries are refused whatever they carry: one pair serves all
    for raw in keys:
        for form, secret in _hmac_secrets(raw).items():

            def make(header: dict[str, Any], claims: dict[str, Any], secret=secret) -> str:
                return forge_token({**header, "alg": "HS256"}, claims, hs256(secret))

            refuse_forgeries(
                ctx,
                pair,
                make,
                f"HS256-signed with the public key ({form})",
                hint="pin the algorithm to EdDSA; the public key is no HMAC secret",
            )
