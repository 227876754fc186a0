"""Helpers shared by check modules: JWT reading, envelope checks, judging answers by the spec.

Nothing here verifies a token's signature: the checks judge what a client can see,
and a server's signing key is not part of the documents.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import httpx

from conformance.engine.context import Context
from conformance.model import CheckBlocked, CheckSkipped, Exchange
from conformance.openapi.schema import documented_code, response_errors, spec_operations
from conformance.openapi.view import contract_view, strict_view

__all__ = [
    "JwtParts",
    "check_envelope",
    "decode_jwt",
    "first_user",
    "judge_responses",
    "require_jwt",
]

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
