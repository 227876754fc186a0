"""FIB access and refresh tokens: EdDSA (Ed25519) JWTs, and the JWKS that publishes the key.

Access claims: ``acc`` (Iroha account id), ``sub`` (email), ``role``, ``exp``, ``jti``.
Refresh claims: ``sub``, ``acjti`` (the paired access token's ``jti``), ``exp``, ``jti``.
Both also carry ``sid``, the session (token family) every token of one login shares,
so reuse of a refresh token or a logout can end all of them at once. A session lasts
``refresh_lifetime`` from its login, however often it is refreshed: refreshed refresh
tokens keep the first one's ``exp``, and no access token outlives it.
Verification pins the algorithm and checks expiry against the injected clock;
every reason to refuse a token is one exception, ``TokenError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from reference_impl.auth.token_ids import uuid4_text

__all__ = [
    "ACCESS_LIFETIME",
    "ALGORITHM",
    "REFRESH_LIFETIME",
    "FibTokens",
    "Session",
    "TokenError",
    "TokenPair",
    "session_of",
]

ALGORITHM = "EdDSA"
ACCESS_LIFETIME = 300  # seconds; the FIB examples' expirationTime
REFRESH_LIFETIME = 86_400  # seconds; the FIB example refresh token lives one day
ROLE = "ROLE_PEER"

# PERF: the header never changes, so it is encoded once; ``jwt.encode`` around the two
# signatures cost a login more than the rest of the handler. ``verify`` still uses PyJWT.
_HEADER_B64 = base64.urlsafe_b64encode(b'{"alg":"EdDSA","typ":"JWT"}').rstrip(b"=")
_HEADER_DOT = _HEADER_B64 + b"."
_encode_claims = json.JSONEncoder(separators=(",", ":")).encode
# PERF: the one JSON string escaper ``json.dumps`` itself uses (ensure_ascii), so the
# claims written by hand below are byte for byte what the encoder would write.
_json_str = json.encoder.encode_basestring_ascii
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_b64 = binascii.b2a_base64
_ROLE_JSON = _json_str(ROLE)

Kind = Literal["access", "refresh"]
Clock = Callable[[], float]


class TokenError(Exception):
    """The token is unusable: undecodable, bad signature, wrong algorithm, expired or wrong kind."""


# PERF: both are named tuples, immutable like frozen dataclasses but built in a third of
# the time (a frozen dataclass sets each field through ``object.__setattr__``).
class Session(NamedTuple):
    """One login's token family: its id and the Unix time it ends, refreshes or not."""

    id: str
    expires_at: int


class TokenPair(NamedTuple):
    """What ``issue`` returns: the two compact JWS strings and what the answer tells of them."""

    access_token: str
    refresh_token: str
    access_jti: str
    expires_in: int  # the access token's lifetime in seconds: FIB's expirationTime
    session: Session | None = None


def session_of(claims: dict[str, Any]) -> str:
    """The token family of verified ``claims``; a token from before ``sid`` is its own family."""
    return str(claims.get("sid") or claims.get("acjti") or claims["jti"])


class FibTokens:
    """Issues and verifies FIB tokens with one Ed25519 key; replaceable as a whole in tests."""

    def __init__(
        self,
        private_key: Ed25519PrivateKey,
        *,
        clock: Clock = time.time,
        access_lifetime: int = ACCESS_LIFETIME,
        refresh_lifetime: int = REFRESH_LIFETIME,
    ) -> None:
        self._private_key = private_key
        self._public_key = private_key.public_key()
        # PERF: libsodium (PyNaCl) signs Ed25519 about a third faster here than OpenSSL
        # (cryptography); the signatures are the same bytes (Ed25519 is deterministic).
        _, self._sodium_secret = crypto_sign_seed_keypair(private_key.private_bytes_raw())
        self._own_encoding = type(self)._encode is FibTokens._encode
        self._clock = clock
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime

    @classmethod
    def from_seed(cls, seed: bytes, **kw: Any) -> FibTokens:
        return cls(Ed25519PrivateKey.from_private_bytes(seed), **kw)

    def issue(self, *, email: str, account_id: str, session: Session | None = None) -> TokenPair:
        """A new pair: for a new login (``session=None``), or within the refreshed ``session``."""
        now = int(self._clock())
        if session is None:
            session = Session(uuid4_text(), now + self.refresh_lifetime)
        access_jti, refresh_jti = uuid4_text(), uuid4_text()
        access_exp = min(now + self.access_lifetime, session.expires_at)
        # PERF: the claims of ``_encode`` written directly, in the same key order and escaping.
        sub, sid = _json_str(email), _json_str(session.id)
        access = (
            f'{{"acc":{_json_str(account_id)},"sub":{sub},"role":{_ROLE_JSON},'
            f'"exp":{access_exp:d},"jti":"{access_jti}","sid":{sid}}}'
        )
        refresh = (
            f'{{"sub":{sub},"acjti":"{access_jti}","exp":{session.expires_at:d},'
            f'"jti":"{refresh_jti}","sid":{sid}}}'
        )
        if self._own_encoding:
            access_token = self._sign(access.encode("ascii"))
            refresh_token = self._sign(refresh.encode("ascii"))
        else:  # a subclass writes tokens its own way: give it the claims
            access_token = self._encode(json.loads(access))
            refresh_token = self._encode(json.loads(refresh))
        return TokenPair(
            access_token,
            refresh_token,
            access_jti,
            access_exp - now,
            session,
        )

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        """The claims of a valid, unexpired token of ``kind``; else ``TokenError``."""
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "require": ["sub", "exp", "jti"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(f"token rejected: {exc}") from exc
        exp, jti, sub = claims.get("exp"), claims.get("jti"), claims.get("sub")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise TokenError("token rejected: exp is not an integer")
        if not (isinstance(jti, str) and jti and isinstance(sub, str) and sub):
            raise TokenError("token rejected: jti or sub missing")
        if "sid" in claims and not (isinstance(claims["sid"], str) and claims["sid"]):
            raise TokenError("token rejected: sid is not a string")
        if exp <= self._clock():
            raise TokenError("token rejected: expired")
        if _kind_of(claims) != kind:
            raise TokenError(f"token rejected: not a {kind} token")
        return claims

    def jwks(self) -> dict[str, Any]:
        """The public key as a JSON Web Key Set (RFC 8037 OKP, crv Ed25519)."""
        raw = self._public_key.public_bytes_raw()
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "alg": ALGORITHM, "use": "sig"}]}

    def _encode(self, claims: dict[str, Any]) -> str:
        """A compact JWS (RFC 7515) over ``claims``, as ``jwt.encode`` would write it."""
        return self._sign(_encode_claims(claims).encode("utf-8"))

    def _sign(self, payload_json: bytes) -> str:
        """The compact JWS of the claims' JSON bytes: header.payload.signature, base64url."""
        # PERF: base64url written out here, without ``base64``'s Python-level wrappers;
        # ``_b64`` ends its text with a newline, dropped with the padding.
        payload = _b64(payload_json).rstrip(b"=\n").translate(_URLSAFE)
        signing_input = _HEADER_DOT + payload
        signature = crypto_sign(signing_input, self._sodium_secret)[:64]
        # 64 bytes are always 86 base64 digits, then 2 padding characters and the newline.
        encoded = _b64(signature)[:86].translate(_URLSAFE)
        return b".".join((signing_input, encoded)).decode("ascii")


def _kind_of(claims: dict[str, Any]) -> Kind | None:
    """Access tokens carry acc and role; refresh tokens carry acjti; never both."""
    is_access = isinstance(claims.get("acc"), str) and isinstance(claims.get("role"), str)
    is_refresh = isinstance(claims.get("acjti"), str)
    if is_access and not is_refresh:
        return "access"
    if is_refresh and not is_access:
        return "refresh"
    return None
