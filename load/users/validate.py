"""Shape checks for load-test responses, kept free of Locust so tests can call them directly.

Each function returns ``None`` for an acceptable response or a short reason, which the
scenario passes to ``response.failure()`` so the Locust failures table says what went wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

__all__ = [
    "CHECK_TOKENS_EVERY",
    "duktig_token_problem",
    "fib_logout_problem",
    "fib_token_claims_problem",
    "fib_token_pair_problem",
    "jwt_shape_problem",
    "user_api_answer_problem",
]

# Three base64url segments; the signature segment may not be empty for EdDSA tokens.
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# --check-tokens-every: every N-th good login answer per user has its tokens decoded and
# their claims checked (8 us here); every answer has its envelope and token shapes checked.
CHECK_TOKENS_EVERY = 100
# Clocks of the generator and the server may disagree by this much (as the checks allow).
CLOCK_TOLERANCE_S = 30
# An Ed25519 signature is 64 bytes.
ED25519_SIGNATURE_BYTES = 64
# Long enough to name the problem in the failures table, short enough to group repeats.
_EXCERPT = 80


def _excerpt(content: bytes) -> str:
    text = content[:_EXCERPT].decode("utf-8", "replace")
    return text + ("..." if len(content) > _EXCERPT else "")


def _parse(status: int, content: bytes) -> tuple[Any, str | None]:
    if status != 200:
        return None, f"HTTP {status}: {_excerpt(content)}"
    try:
        return json.loads(content), None
    except ValueError:
        return None, f"200 with a body that is not JSON: {_excerpt(content)}"


def jwt_shape_problem(field: str, value: object) -> str | None:
    """A token must be a compact JWS: three base64url segments joined by dots."""
    if not isinstance(value, str):
        return f"{field} is {type(value).__name__}, not a string"
    if not _JWT.fullmatch(value):
        return f"{field} is not a compact JWT: {value[:40]!r}"
    return None


def _object(status: int, content: bytes) -> tuple[Any, str | None]:
    body, problem = _parse(status, content)
    if not problem and not isinstance(body, dict):
        return None, f"body is {type(body).__name__}, not an object"
    return body, problem


def _fib_enveloped(status: int, content: bytes) -> tuple[Any, str | None]:
    """The parsed body of a FIB 200 whose envelope says code 200, or the reason it is not."""
    body, problem = _object(status, content)
    if problem:
        return None, problem
    envelope = body.get("status")
    if not isinstance(envelope, dict) or envelope.get("code") != 200:
        return None, f"status is {envelope!r}, expected an object with code 200"
    return body, None


def _integer_problem(field: str, value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{field} is {value!r}, expected an integer"
    return None


def _first_problem(*problems: str | None) -> str | None:
    return next((p for p in problems if p), None)


def _good_token_pair(content: bytes) -> bool:
    """The common case of ``fib_token_pair_problem`` in one pass: every answer is checked,
    so a good one costs one parse and a few lookups (about 4 us here)."""
    try:
        body = json.loads(content)
        data = body["data"]
        access, refresh = data["accessToken"], data["refreshToken"]
        return (
            body["status"]["code"] == 200
            and type(data["expirationTime"]) is int
            and type(access) is str
            and type(refresh) is str
            and _JWT.fullmatch(access) is not None
            and _JWT.fullmatch(refresh) is not None
        )
    except (ValueError, TypeError, KeyError, IndexError):
        return False


def fib_token_pair_problem(status: int, content: bytes) -> str | None:
    """A FIB login or refresh answer: 200, envelope code 200, two JWTs, an integer lifetime."""
    if status == 200 and _good_token_pair(content):
        return None
    body, problem = _fib_enveloped(status, content)
    if problem:
        return problem
    data = body.get("data")
    if not isinstance(data, dict):
        return f"data is {data!r}, expected an object"
    return _first_problem(
        jwt_shape_problem("accessToken", data.get("accessToken")),
        jwt_shape_problem("refreshToken", data.get("refreshToken")),
        _integer_problem("expirationTime", data.get("expirationTime")),
    )


def fib_logout_problem(status: int, content: bytes) -> str | None:
    """A FIB logout answer: 200 with the envelope and an empty ``data`` object."""
    body, problem = _fib_enveloped(status, content)
    if problem:
        return problem
    if body.get("data") != {}:
        return f"data is {body.get('data')!r}, expected {{}}"
    return None


def user_api_answer_problem(status: int, content: bytes) -> str | None:
    """A User API login or signup answer: 200 with userId, email, userName and a JWT token."""
    body, problem = _object(status, content)
    if problem:
        return problem
    fields = ("userId", "email", "userName")
    missing = [f for f in fields if not isinstance(body.get(f), str) or not body.get(f)]
    if missing:
        return f"missing or empty: {', '.join(missing)}"
    return jwt_shape_problem("token", body.get("token"))


def duktig_token_problem(status: int, content: bytes) -> str | None:
    """A Duktig sign-in answer: 200, status "OK", two JWTs, an integer ``expires_in``."""
    body, problem = _object(status, content)
    if problem:
        return problem
    if body.get("status") != "OK":
        return f"status is {body.get('status')!r}, expected 'OK'"
    return _first_problem(
        jwt_shape_problem("access_token", body.get("access_token")),
        jwt_shape_problem("refresh_token", body.get("refresh_token")),
        _integer_problem("expires_in", body.get("expires_in")),
    )


def _segment(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decoded(field: str, token: str) -> tuple[dict, dict, str | None]:
    """(header, claims, problem) of a token whose shape passed ``jwt_shape_problem``."""
    header_text, claims_text, signature = token.split(".")
    try:
        header, claims = json.loads(_segment(header_text)), json.loads(_segment(claims_text))
        signature_bytes = len(_segment(signature))
    except (ValueError, binascii.Error):
        return {}, {}, f"{field}'s header or claims are not base64url JSON"
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return {}, {}, f"{field}'s header or claims are not JSON objects"
    if header.get("alg") != "EdDSA" or header.get("typ", "JWT") != "JWT":
        return {}, {}, f"{field}'s header is {header!r}, expected EdDSA and typ JWT"
    if signature_bytes != ED25519_SIGNATURE_BYTES:
        return {}, {}, f"{field}'s signature is {signature_bytes} bytes, not an Ed25519 one"
    return header, claims, None


def _claims_problem(field: str, claims: dict, email: str, now: float) -> str | None:
    if claims.get("sub") != email:
        return f"{field}'s sub is {claims.get('sub')!r}, not the email that logged in"
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return f"{field}'s exp is {exp!r}, expected a number"
    if exp <= now - CLOCK_TOLERANCE_S:
        return f"{field} is already expired (exp {exp}, now {now:.0f})"
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        return f"{field} has no jti"
    return None


def fib_token_claims_problem(content: bytes, email: str, now: float) -> str | None:
    """The tokens of a login answer that passed ``fib_token_pair_problem``, decoded: EdDSA
    headers, sub = the email, exp still ahead, a jti each, and the refresh token's acjti
    naming the access token's jti. The signatures are not verified: FIB publishes no key."""
    data = json.loads(content)["data"]
    found = {}
    for field in ("accessToken", "refreshToken"):
        _, claims, problem = _decoded(field, data[field])
        problem = problem or _claims_problem(field, claims, email, now)
        if problem:
            return problem
        found[field] = claims
    if found["refreshToken"].get("acjti") != found["accessToken"]["jti"]:
        return "refreshToken's acjti is not the access token's jti"
    return None
