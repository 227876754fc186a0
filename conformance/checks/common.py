"""Helpers shared by check modules: JWT reading, envelope checks, FIB request bodies.

Nothing here verifies a token's signature: the checks judge what a client can see,
and a server's signing key is not part of the documents.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

import httpx

from conformance import signing
from conformance.engine.context import Context
from conformance.model import CheckBlocked, CheckSkipped, Exchange
from conformance.openapi.schema import documented_code, response_errors, spec_operations
from conformance.openapi.view import contract_view, strict_view

__all__ = [
    "FIB_LOGOUT_PATH",
    "FIB_SESSION_PATH",
    "JwtParts",
    "check_envelope",
    "decode_jwt",
    "fib_login",
    "fib_login_body",
    "first_user",
    "judge_responses",
    "require_jwt",
]

FIB_SESSION_PATH = "/auth/api/v1/authentication-management/session"
FIB_LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"

# Clock skew allowed between this machine and the target when comparing times.
CLOCK_TOLERANCE_SECONDS = 30


class JwtParts(dict):
    """A decoded JWT: ``header`` and ``claims`` dicts (the signature is not checked)."""

    @property
    def header(self) -> dict[str, Any]:
        return self["header"]

    @property
    def claims(self) -> dict[str, Any]:
        return self["claims"]


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_jwt(token: str) -> JwtParts:
    """Split and decode a compact JWT; ValueError says what is wrong with it."""
    if not isinstance(token, str):
        raise ValueError(f"not a string but {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"{len(parts)} dot-separated parts instead of 3")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"header or payload is not base64url JSON ({exc})") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("header or payload is not a JSON object")
    return JwtParts(header=header, claims=claims, signature=parts[2])


def require_jwt(ctx: Context, token: Any, what: str) -> JwtParts:
    """Decode ``token`` or fail the check naming ``what`` it was meant to be."""
    try:
        return decode_jwt(token)
    except ValueError as exc:
        ctx.fail(
            f"{what} is not a JWT",
            received=f"{str(token)[:120]!r}: {exc}",
            documented="a compact JWT (header.payload.signature, base64url JSON)",
        )


def check_envelope(ctx: Context, body: Any, status: int) -> None:
    """FIB's ``status`` envelope: code (= HTTP status) and name required, message optional."""
    documented = (
        '{"status": {"code": <HTTP status>, "name": "<string>", "message"?: "<string>"}, '
        '"data": ...} (message is in seed 000, absent in seed 002: optional)'
    )
    envelope = body.get("status") if isinstance(body, dict) else None
    if not isinstance(envelope, dict):
        ctx.fail("body lacks the status envelope", received=repr(body)[:300], documented=documented)
    code, name = envelope.get("code"), envelope.get("name")
    if not isinstance(code, int) or isinstance(code, bool) or code != status:
        ctx.fail(
            "status.code does not repeat the HTTP status",
            received=f"HTTP {status}, status.code={code!r}",
            documented=documented,
        )
    if not isinstance(name, str) or not name:
        ctx.fail("status.name is missing or empty", received=repr(name), documented=documented)
    if "message" in envelope and not isinstance(envelope["message"], str | None):
        ctx.fail(
            "status.message is not a string",
            received=repr(envelope["message"]),
            documented=documented,
        )


def first_user(ctx: Context) -> dict[str, str]:
    """The first user of this system's credentials section, or skip the check."""
    users = (ctx.credentials or {}).get("users") or []
    if not users:
        raise CheckSkipped(f"no users in the {ctx.system!r} credentials section")
    return users[0]


def fib_login_body(email: str, private_key_hex: str, public_key_hex: str | None = None) -> dict:
    """A correctly signed FIB login body (hash-then-sign, see conformance.signing)."""
    return {
        "email": email,
        "signature": signing.sign_email(email, private_key_hex),
        "authPublicKeyHex": public_key_hex or signing.public_key_for(private_key_hex),
    }


# The check that reports a FIB login that does not serve; the others are blocked by it.
FIB_LOGIN_CHECK = "correctly_signed_login_succeeds"


def fib_login(ctx: Context, *, fresh: bool = False) -> dict[str, Any]:
    """Log the first FIB user in and return ``{"body", "sent_at", "received_at"}``.

    The result is cached in ``ctx.cache`` unless ``fresh``; a login that does not give
    200 with accessToken/refreshToken blocks the calling check by FIB_LOGIN_CHECK (which
    fails on it, its evidence kept).
    """
    if not fresh and "fib_login" in ctx.cache:
        cached = ctx.cache["fib_login"]
        ctx.last = cached["exchange"]  # a failure about this login shows this login
        return cached
    user = first_user(ctx)
    body = fib_login_body(user["email"], user["privateKeyHex"], user.get("publicKeyHex"))
    sent_at = time.time()
    response = ctx.post(FIB_SESSION_PATH, body)
    received_at = time.time()
    if response.status_code != 200:
        ctx.prerequisite_failed(
            FIB_LOGIN_CHECK,
            "correctly signed login was refused",
            received=f"HTTP {response.status_code}",
            documented="200 for a registered email signed with its Authorization key",
            hint="check the credentials file, then the signature scheme (Ed25519 over the "
            "Iroha hash of the email)",
        )
    payload = ctx.json_of(response)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data.get(k) for k in ("accessToken", "refreshToken")
    ):
        ctx.prerequisite_failed(
            FIB_LOGIN_CHECK,
            "login response lacks the tokens",
            received=repr(payload)[:300],
            documented='data: {"accessToken": str, "refreshToken": str, "expirationTime": int}',
        )
    result = {"body": payload, "sent_at": sent_at, "received_at": received_at, "exchange": ctx.last}
    if not fresh:
        ctx.cache["fib_login"] = result
    return result


def judge_responses(
    ctx: Context,
    answers: list[tuple[str, str, httpx.Response]],
    *,
    strict: bool,
    bodies_judged_by: str | None = None,
) -> None:
    """Hold each (method, path, answer) to the spec: its contract view, or its strict view.

    The contract view leaves an undocumented status to Schemathesis' status check; the
    strict view (the reference's reading, ``x-authconform-advisory`` applied) also names a
    status the reference would not answer. A 2xx body that breaks the spec when the
    check ``bodies_judged_by`` already failed on it is that check's fault, not a second
    one: the calling check is blocked by it once every other answer has been judged.
    """
    deferred: list[str] = []
    spec = strict_view(ctx.spec) if strict else contract_view(ctx.spec)
    reading = "the reference's reading (x-authconform-advisory)" if strict else "the contract"
    for method, path, response in answers:
        ctx.last = Exchange.from_response(response)
        status = response.status_code
        operation = spec_operations(spec).get((method.lower(), path))
        listed = sorted(operation.responses) if operation else []
        if strict and operation and documented_code(operation.responses, status) is None:
            ctx.fail(
                f"{method} {path} answered {status}, a status the reference does not use",
                received=f"HTTP {status}",
                documented=f"{', '.join(listed)} ({reading} of spec/{ctx.system}.openapi.yaml)",
            )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        problems = response_errors(spec, path, method, status, body)
        if problems and 200 <= status < 300 and ctx.verdicts.get(bodies_judged_by) == "failed":
            deferred.append(f"{method} {path} {status}: {'; '.join(problems[:3])}")
            continue
        if problems:
            ctx.fail(
                f"{method} {path} {status} body breaks {reading}",
                received="; ".join(problems[:5]),
                documented=f"spec/{ctx.system}.openapi.yaml, {method} {path} {status}, {reading}",
            )
    if deferred:
        raise CheckBlocked(
            bodies_judged_by, f"the success bodies differ as it reports ({deferred[0]})"
        )
