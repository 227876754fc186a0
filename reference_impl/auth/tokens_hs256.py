"""HS256 token families of the User API and Duktig systems.

Both systems sign with a shared secret (HS256), unlike FIB's Ed25519 keys, so the two
families live together: the User API's one-hour login token (seed 003) and Duktig's
access/refresh pair (seed 004). Lifetimes, algorithm and fixed claims are named here once.

Every failure to read a token (bad signature, malformed, expired, wrong family) raises
:class:`TokenError` and nothing else.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

__all__ = [
    "ALGORITHM",
    "DUKTIG_ACCESS_LIFETIME",
    "DUKTIG_AUDIENCE",
    "DUKTIG_HEADER",
    "DUKTIG_ISSUER",
    "DUKTIG_REFRESH_LIFETIME",
    "DUKTIG_SUBJECT",
    "USER_API_TOKEN_LIFETIME",
    "DuktigTokens",
    "TokenError",
    "issue_duktig_tokens",
    "issue_user_api_token",
    "read_duktig_token",
    "read_user_api_token",
]

ALGORITHM = "HS256"

# Seed 003: "Token is only valid for 1 hour."
USER_API_TOKEN_LIFETIME = 3600

# Seed 004's example: access exp - iat = 86400, refresh exp - iat = 2592000.
DUKTIG_ACCESS_LIFETIME = 86_400
DUKTIG_REFRESH_LIFETIME = 30 * 86_400
DUKTIG_ISSUER = "Duktig.io.iss"
DUKTIG_AUDIENCE = "Duktig.io.general.aud"
# The example carries a configured constant as `sub`; jti, by contrast, is made unique per token.
DUKTIG_SUBJECT = "Duktig.io.general.sub"
# Seed 004's tokens declare `cty: JWT` next to the usual `typ`; PyJWT adds `alg` itself.
DUKTIG_HEADER = {"typ": "JWT", "cty": "JWT"}


class TokenError(Exception):
    """Raised when a token is malformed, signed with another key, expired or of another family."""


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now


def issue_user_api_token(
    secret: bytes,
    *,
    user_id: str,
    user_name: str,
    email: str,
    now: int | None = None,
    lifetime: int = USER_API_TOKEN_LIFETIME,
) -> str:
    """The seed 003 login token: HS256, claims userId, userName, email, iat, exp = iat + 1 hour."""
    issued = _now(now)
    claims = {
        "userId": user_id,
        "userName": user_name,
        "email": email,
        "iat": issued,
        "exp": issued + lifetime,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_user_api_token(secret: bytes, token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired User API token."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "userId"]}
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"not a valid User API token: {exc}") from exc
    return claims


@dataclass(frozen=True)
class DuktigTokens:
    """A freshly issued Duktig pair; ``expires_in`` is the access token's exp (Unix time)."""

    access_token: str
    refresh_token: str
    expires_in: int


def _duktig_claims(issued: int, lifetime: int, account: dict[str, Any]) -> dict[str, Any]:
    return {
        "iss": DUKTIG_ISSUER,
        "aud": DUKTIG_AUDIENCE,
        "sub": DUKTIG_SUBJECT,
        "jti": str(uuid.uuid4()),
        "nbf": issued,
        "iat": issued,
        "exp": issued + lifetime,
        "account": account,
    }


def issue_duktig_tokens(
    secret: bytes, *, account: dict[str, Any], now: int | None = None
) -> DuktigTokens:
    """Seed 004's pair: the access token carries the whole account, the refresh token its userId."""
    issued = _now(now)
    access = _duktig_claims(issued, DUKTIG_ACCESS_LIFETIME, account)
    refresh = _duktig_claims(issued, DUKTIG_REFRESH_LIFETIME, {"userId": account["userId"]})
    return DuktigTokens(
        access_token=jwt.encode(access, secret, algorithm=ALGORITHM, headers=DUKTIG_HEADER),
        refresh_token=jwt.encode(refresh, secret, algorithm=ALGORITHM, headers=DUKTIG_HEADER),
        expires_in=access["exp"],
    )


def read_duktig_token(secret: bytes, token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired Duktig token (access or refresh)."""
    try:
        return jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=DUKTIG_AUDIENCE,
            issuer=DUKTIG_ISSUER,
            options={"require": ["exp", "iat", "nbf", "account"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"not a valid Duktig token: {exc}") from exc
