"""Login bodies the FIB refusal and robustness checks share: a known or made-up user, and
a body with one field spoiled. Registers no check.
"""

from __future__ import annotations

import uuid

import httpx

from conformance import signing
from conformance.checks.common import FIB_SESSION_PATH, fib_login_body, first_user
from conformance.engine.context import Context
from conformance.model import CheckSkipped


def _some_user(ctx: Context) -> tuple[dict[str, str] | None, str]:
    """The first registered user if there are credentials, else an unknown email."""
    try:
        user = first_user(ctx)
    except CheckSkipped:
        return None, f"authconform-{uuid.uuid4().hex[:12]}@example.invalid"
    return user, user["email"]


def _malformed_login(ctx: Context, **override: str) -> httpx.Response:
    """A login whose fields are fine except ``override``; 404 is allowed without users."""
    user, email = _some_user(ctx)
    if user:
        body = fib_login_body(email, user["privateKeyHex"], user.get("publicKeyHex"))
    else:
        body = fib_login_body(email, signing.generate_keypair().private_key_hex)
    body.update(override)
    return ctx.post(FIB_SESSION_PATH, body)
