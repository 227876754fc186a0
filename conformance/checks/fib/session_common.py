"""What the FIB session checks share: refresh and logout requests, the lifecycle precondition,
the refusal verdict and the reading of a token's header and claims. Registers no check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx

from conformance.checks.common import JwtParts, check_envelope, require_jwt
from conformance.checks.fib.login_common import FIB_LOGOUT_PATH, FIB_SESSION_PATH, fib_login
from conformance.checks.registry import CheckFunc
from conformance.engine.context import Context
from conformance.model import CheckSkipped, Exchange

__all__ = [
    "LIFECYCLE_OFF_REASON",
    "claims_of",
    "expect_ok",
    "expect_refused",
    "header_of",
    "lifecycle",
    "login_pair",
    "logout",
    "pair_from",
    "refresh",
]


LIFECYCLE_OFF_REASON = "lifecycle checks turned off (--no-lifecycle): the target offers only login"

# Statuses the lifecycle docs allow for a token the server must not honour.
REFUSAL_STATUSES = (400, 401, 422)
REFUSAL_DOCUMENTED = (
    "a refusal: 401 (reference reading), or 400/422 (also listed by the public FIB "
    "lifecycle docs: refresh and logout answer 200, 400, 401, 404, 422, 500)"
)
# A route the server does not have answers one of these.
NOT_IMPLEMENTED_STATUSES = (404, 405)

_PROBE_KEY = "fib_session_probe"


# --- requests -------------------------------------------------------------------------


def _authorization(token: str, bearer: bool) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}" if bearer else token}


def refresh(ctx: Context, token: str, *, bearer: bool = False) -> httpx.Response:
    """PATCH the session path with ``token`` as the refresh token."""
    return ctx.request("PATCH", FIB_SESSION_PATH, headers=_authorization(token, bearer))


def logout(ctx: Context, token: str, *, bearer: bool = False) -> httpx.Response:
    """POST logout with ``token`` as the access token."""
    return ctx.request("POST", FIB_LOGOUT_PATH, headers=_authorization(token, bearer))


def login_pair(ctx: Context) -> tuple[str, str]:
    """A fresh (accessToken, refreshToken): lifecycle checks spend tokens, so never cached."""
    data = fib_login(ctx, fresh=True)["body"]["data"]
    return data["accessToken"], data["refreshToken"]


# --- preconditions --------------------------------------------------------------------


def _probe(ctx: Context) -> dict[str, tuple[int, Exchange | None]]:
    """Status of each lifecycle route for an unreadable token, once per run.

    An implemented route refuses the token (401); a missing one answers 404/405.
    """
    if _PROBE_KEY not in ctx.cache:
        found = {}
        for name, send in (("refresh", refresh), ("logout", logout)):
            response = send(ctx, "not-a-token")
            found[name] = (response.status_code, ctx.last)
        ctx.cache[_PROBE_KEY] = found
    return ctx.cache[_PROBE_KEY]


def lifecycle(*operations: str) -> Callable[[CheckFunc], CheckFunc]:
    """Skip when the run turned the lifecycle off; fail plainly if a needed route is missing."""

    def decorate(func: CheckFunc) -> CheckFunc:
        @functools.wraps(func)
        def wrapper(ctx: Context) -> None:
            if not ctx.settings.lifecycle:
                raise CheckSkipped(LIFECYCLE_OFF_REASON)
            probe = _probe(ctx)
            for operation in operations:
                status, exchange = probe[operation]
                if status in NOT_IMPLEMENTED_STATUSES:
                    ctx.last = exchange
                    ctx.fail(
                        f"{operation} not implemented: {status}",
                        received=f"HTTP {status} on the {operation} route",
                        documented=(
                            "PATCH session with Authorization: <refreshToken> (refresh), "
                            "POST .../logout with Authorization: <accessToken> (logout)"
                        ),
                        hint="run with --no-lifecycle if the target offers only the login",
                    )
            func(ctx)

        return wrapper

    return decorate


# --- verdicts -------------------------------------------------------------------------


def expect_ok(ctx: Context, response: httpx.Response, what: str) -> dict[str, Any]:
    """200 in the FIB envelope, or fail naming ``what`` was refused; returns the body."""
    if response.status_code != 200:
        ctx.fail(
            f"{what} was refused",
            received=f"HTTP {response.status_code}",
            documented="200 with the status envelope",
        )
    body = ctx.json_of(response)
    check_envelope(ctx, body, 200)
    return body


def expect_refused(
    ctx: Context,
    response: httpx.Response,
    what: str,
    *,
    hint: str,
    observed: str | None = None,
) -> None:
    """A documented refusal status; a 2xx means the server honoured what it must not
    (``observed`` names that fault, so the same acceptance seen elsewhere is one fault)."""
    status = response.status_code
    if 200 <= status < 300:
        ctx.fail(
            f"{what} was accepted",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
            hint=hint,
            observed=observed,
        )
    if status >= 500:
        ctx.fail(
            f"{what} caused a server error",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
            hint="a bad token is the client's fault: 4xx",
        )
    if status not in REFUSAL_STATUSES:
        ctx.fail(
            f"{what} was refused with an undocumented status",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
        )


def pair_from(ctx: Context, body: dict[str, Any], what: str) -> tuple[JwtParts, JwtParts]:
    """The decoded (access, refresh) tokens of a 200 body, or fail."""
    data = body.get("data")
    tokens = data if isinstance(data, dict) else {}
    if not all(
        isinstance(tokens.get(k), str) and tokens[k] for k in ("accessToken", "refreshToken")
    ):
        ctx.fail(
            f"{what} lacks the tokens",
            received=repr(body)[:300],
            documented='data: {"accessToken": str, "refreshToken": str, "expirationTime": int}',
        )
    access = require_jwt(ctx, tokens["accessToken"], f"{what}: accessToken")
    refreshed = require_jwt(ctx, tokens["refreshToken"], f"{what}: refreshToken")
    return access, refreshed


def claims_of(ctx: Context, token: str, what: str) -> dict[str, Any]:
    return dict(require_jwt(ctx, token, what).claims)


def header_of(ctx: Context, token: str, what: str) -> dict[str, Any]:
    return dict(require_jwt(ctx, token, what).header)
