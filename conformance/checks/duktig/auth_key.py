"""Duktig's X-Auth-Key gate: valid credentials without the key, or with a wrong one, get
401/403 and no tokens; the same credentials with the right key sign in (the control).
"""

from __future__ import annotations

import string

import httpx

from conformance.checks.controls import require_accepted
from conformance.checks.duktig.common import active_user, auth_key, request_token, sign_in_control
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


def _refused_for_key(ctx: Context, response: httpx.Response, what: str) -> None:
    documented = (
        "401 or 403 and no token (seed 004 only says the key is required; Duktig's general "
        "error page gives 401 Unauthorized and 403 Forbidden; this project answers 401)"
    )
    if response.status_code not in (401, 403):
        ctx.fail(
            f"{what} was not refused",
            received=f"HTTP {response.status_code}",
            documented=documented,
        )
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and (body.get("access_token") or body.get("refresh_token")):
        ctx.fail(
            f"{what} was answered with tokens",
            received="a body carrying tokens",
            documented=documented,
        )


@check(
    "duktig",
    group="auth-key",
    source="seed 004: X-Auth-Key is a required header, the value in the configuration",
)
@requires_credentials
def missing_auth_key_rejected(ctx: Context) -> None:
    """Valid credentials without an X-Auth-Key header get 401/403 and no tokens.

    Source: seed 004 (X-Auth-Key is a required header) and its general error page.
    """
    user = active_user(ctx)
    response = request_token(
        ctx, {"email": user["email"], "password": user["password"]}, send_key=False
    )
    _refused_for_key(ctx, response, "a request without X-Auth-Key")
    require_accepted(ctx, sign_in_control(ctx, "the same request with the X-Auth-Key"))


@check(
    "duktig",
    group="auth-key",
    source="seed 004: X-Auth-Key is a required header, the value in the configuration",
)
@requires_credentials
def wrong_auth_key_rejected(ctx: Context) -> None:
    """Valid credentials with a wrong X-Auth-Key (near miss and random) get 401/403.

    Source: seed 004 (the key is the configured value) and its general error page.
    """
    user = active_user(ctx)
    body = {"email": user["email"], "password": user["password"]}
    real = auth_key(ctx)
    made_up = "".join(ctx.rng("wrong key").choices(_KEY_ALPHABET, k=22))
    for wrong in (real[:-1] + ("x" if real[-1:] != "x" else "y"), made_up):
        response = request_token(ctx, body, key=wrong)
        _refused_for_key(ctx, response, "a request with a wrong X-Auth-Key")
    require_accepted(ctx, sign_in_control(ctx, "the same request with the right X-Auth-Key"))


_KEY_ALPHABET = string.ascii_letters + string.digits + "-_"
