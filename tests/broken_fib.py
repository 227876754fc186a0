"""Deliberately broken FIB servers, each with one known fault, to prove the checks catch it.

Each variant is a dict of ``running_server`` keyword arguments: ``create_app`` component
replacements, or ``wrap=`` WSGI middleware for faults outside any component. ``BROKEN``
maps a variant to the check that must fail on it; ``OTHER_READING`` takes the readings
the documents also allow and must pass.
"""

from __future__ import annotations

import base64
import json
import os
import time
from http import HTTPStatus
from typing import Any

import jwt
import nacl.exceptions
import nacl.signing
from wsgi_rewrite import request_fields, rewriting

from conformance import signing
from reference_impl.auth.tokens_fib import ROLE, FibTokens, TokenPair

SESSION_PATH = "/auth/api/v1/authentication-management/session"


def _envelope(code: int, message: str) -> dict[str, Any]:
    return {
        "status": {"code": code, "name": HTTPStatus(code).phrase, "message": message},
        "data": None,
    }


def _is_login(environ: dict) -> bool:
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == SESSION_PATH


# --- faults ----------------------------------------------------------------------------


def _raw_email_verifier(email: str, public_key: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(email.encode(), signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def _any_key(environ: dict, request_body: bytes, status: int, parsed: Any):
    """Log in whenever the signature verifies under the *given* key, registered or not."""
    fields = request_fields(request_body) if _is_login(environ) else None
    message = ((parsed or {}).get("status") or {}).get("message", "") if parsed else ""
    if not fields or status != 422 or "not the key registered" not in message:
        return None
    email = fields["email"]
    if not signing.verify_email(email, fields["authPublicKeyHex"], fields["signature"]):
        return None
    pair = FibTokens.from_seed(os.urandom(32)).issue(email=email, account_id="x@fib")
    return 200, _token_body(pair)


def _token_body(pair: TokenPair) -> dict[str, Any]:
    return {
        "status": {"code": 200, "name": "OK", "message": "User authorization has been successful."},
        "data": {
            "accessToken": pair.access_token,
            "refreshToken": pair.refresh_token,
            "expirationTime": pair.expires_in,
        },
    }


def _is_hex(value: Any) -> bool:
    try:
        bytes.fromhex(value)
    except (TypeError, ValueError):
        return False
    return True


def _crash_on_non_hex(environ: dict, request_body: bytes, status: int, parsed: Any):
    fields = request_fields(request_body) if _is_login(environ) else None
    if fields and not all(
        _is_hex(fields.get(k)) for k in ("signature", "authPublicKeyHex") if k in fields
    ):
        return 500, _envelope(500, "Internal server error.")
    return None


def _drop_refresh_token(environ: dict, request_body: bytes, status: int, parsed: Any):
    if status == 200 and isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
        parsed["data"].pop("refreshToken", None)
        return status, parsed
    return None


class _UnsignedTokens(FibTokens):
    """Issues ``alg: none`` tokens (anyone could forge them)."""

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, None, algorithm="none", headers={"typ": "JWT"})


class _FixedJtiTokens(FibTokens):
    """Gives every token of every login the same two jti values."""

    ACCESS_JTI = "00000000-0000-4000-8000-000000000001"
    REFRESH_JTI = "00000000-0000-4000-8000-000000000002"

    def issue(self, *, email: str, account_id: str, session: Any = None) -> TokenPair:
        now = int(time.time())
        access = {
            "acc": account_id,
            "sub": email,
            "role": ROLE,
            "exp": now + self.access_lifetime,
            "jti": self.ACCESS_JTI,
        }
        refresh = {
            "sub": email,
            "acjti": self.ACCESS_JTI,
            "exp": now + self.refresh_lifetime,
            "jti": self.REFRESH_JTI,
        }
        return TokenPair(
            self._encode(access), self._encode(refresh), self.ACCESS_JTI, self.access_lifetime
        )


def _seed_tokens(cls: type[FibTokens]) -> FibTokens:
    return cls.from_seed(os.urandom(32))


# --- the other documented readings ---------------------------------------------------------


def _access_exp(token: str) -> int:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]


def _other_reading(environ: dict, request_body: bytes, status: int, parsed: Any):
    """expirationTime as a Unix time, no status.message, 401 where the reference says 422."""
    if not isinstance(parsed, dict) or not isinstance(parsed.get("status"), dict):
        return None
    parsed["status"].pop("message", None)
    if status == 422:
        status = 401
        parsed["status"].update(code=401, name="Unauthorized")
    data = parsed.get("data")
    if status == 200 and isinstance(data, dict) and "accessToken" in data:
        data["expirationTime"] = _access_exp(data["accessToken"])
    return status, parsed


# variant name -> (running_server keyword arguments, the check that must fail)
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "accepts_any_signature": (
        {"signature_verifier": lambda *_: True},
        "rejects_random_signature_for_registered_key",
    ),
    "accepts_any_key_for_registered_email": (
        {"wrap": rewriting(_any_key)},
        "rejects_other_keypair_for_registered_email",
    ),
    "verifies_raw_email": (
        {"signature_verifier": _raw_email_verifier},
        "rejects_signature_over_raw_email",
    ),
    "crashes_on_non_hex": ({"wrap": rewriting(_crash_on_non_hex)}, "rejects_non_hex_signature"),
    "omits_refresh_token": (
        {"wrap": rewriting(_drop_refresh_token)},
        "correctly_signed_login_succeeds",
    ),
    "unsigned_tokens": ({"fib_tokens": _seed_tokens(_UnsignedTokens)}, "tokens_are_eddsa_jwts"),
    "repeats_jti": ({"fib_tokens": _seed_tokens(_FixedJtiTokens)}, "logins_issue_distinct_jti"),
}

OTHER_READING: dict[str, Any] = {"wrap": rewriting(_other_reading)}
