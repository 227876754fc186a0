"""FIB login requests every FIB check builds on: the signed body, the cached login that
blocks its dependants when it fails, a known or made-up user, a body with one field
spoiled. Registers no check.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from conformance import signing
from conformance.checks.common import first_user
from conformance.checks.controls import Control
from conformance.engine.context import Context
from conformance.model import CheckSkipped

__all__ = [
    "FIB_LOGIN_CHECK",
    "FIB_LOGOUT_PATH",
    "FIB_SESSION_PATH",
    "fib_login",
    "fib_login_body",
    "invented_key",
    "login_control",
    "malformed_login",
    "some_user",
    "unknown_email",
]

FIB_SESSION_PATH = "/auth/api/v1/authentication-management/session"
FIB_LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"


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


def unknown_email(ctx: Context) -> str:
    """An email nobody registered, from the run's seed and tag."""
    return ctx.invent.email(ctx.rng("unknown email"), domain="example.invalid")


def invented_key(ctx: Context, purpose: str = "key") -> str:
    """A private key no account has (32-byte Ed25519 seed as hex), from the run's seed."""
    return ctx.rng(purpose).randbytes(signing.SEED_BYTES).hex()


def login_control(ctx: Context, what: str) -> Control:
    """A refusal check's control: the first user's correctly signed login is accepted (200)."""
    user = first_user(ctx)
    body = fib_login_body(user["email"], user["privateKeyHex"], user.get("publicKeyHex"))
    return Control(
        FIB_SESSION_PATH, body, FIB_LOGIN_CHECK, what, accepted=lambda status: status == 200
    )


def some_user(ctx: Context) -> tuple[dict[str, str] | None, str]:
    """The first registered user if there are credentials, else an unknown email."""
    try:
        user = first_user(ctx)
    except CheckSkipped:
        return None, unknown_email(ctx)
    return user, user["email"]


def malformed_login(ctx: Context, **override: str) -> httpx.Response:
    """A login whose fields are fine except ``override``; 404 is allowed without users."""
    user, email = some_user(ctx)
    if user:
        body = fib_login_body(email, user["privateKeyHex"], user.get("publicKeyHex"))
    else:
        body = fib_login_body(email, invented_key(ctx))
    body.update(override)
    return ctx.post(FIB_SESSION_PATH, body)
