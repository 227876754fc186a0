"""How the FIB forgery checks make and send tokens the server never issued: compact JWTs
signed by whatever the check chooses, sent as refresh and access tokens, each of which
must be refused. Registers no check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from conformance.checks.fib.session_common import (
    claims_of,
    expect_refused,
    header_of,
    logout,
    refresh,
)
from conformance.engine.context import Context

__all__ = [
    "OWN_TOKENS_SOURCE",
    "Forger",
    "Signer",
    "b64url",
    "forge_token",
    "hs256",
    "refuse_forgeries",
    "segment",
]

# What every check of a forged token rests on: FIB's tokens are the server's own EdDSA JWTs.
OWN_TOKENS_SOURCE = (
    "seeds 000-002: the tokens are EdDSA JWTs the server signs; FIB docs: refresh and logout "
    "take the server's own tokens"
)

Signer = Callable[[bytes], bytes]  # signing input -> raw signature
Forger = Callable[[dict[str, Any], dict[str, Any]], str]  # (header, claims) -> token


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def hs256(secret: bytes) -> Signer:
    """An HMAC-SHA256 signer with ``secret``: what a verifier confused into HS256 would check."""
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def forge_token(header: dict[str, Any], claims: dict[str, Any], sign: Signer) -> str:
    """A compact JWT whose signature is ``sign(signing_input)`` (bytes), for forgeries."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def refuse_forgeries(
    ctx: Context, pair: tuple[str, str], make: Forger, what: str, hint: str
) -> None:
    """Send ``make(header, claims)`` built from a genuine pair to both routes; both must refuse."""
    access, refresh_token = pair
    forged_refresh = make(
        header_of(ctx, refresh_token, "refreshToken"),
        claims_of(ctx, refresh_token, "refreshToken"),
    )
    expect_refused(ctx, refresh(ctx, forged_refresh), f"refresh token {what}", hint=hint)
    forged_access = make(
        header_of(ctx, access, "accessToken"), claims_of(ctx, access, "accessToken")
    )
    expect_refused(ctx, logout(ctx, forged_access), f"access token {what}", hint=hint)
