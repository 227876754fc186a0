"""FIB Authorization headers: refresh and logout refuse a missing or unreadable header,
never with a 5xx (and, as practice, with exactly 401 and WWW-Authenticate).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from conformance import observed as say
from conformance.checks.answer_headers import require_challenge
from conformance.checks.fib.login_common import FIB_LOGOUT_PATH, FIB_SESSION_PATH
from conformance.checks.fib.session_common import expect_refused, lifecycle
from conformance.checks.registry import check
from conformance.engine.context import Context
from conformance.profiles.fib import AUTHORIZATION_SOURCE

# Values an HTTP client can send (no trailing blanks: those are not legal header values).
_GARBAGE_HEADERS = (
    "garbage",
    "Bearer",
    "Bearer a.b.c",
    "Basic dXNlcjpwYXNzd29yZA==",
    "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln",
    "...",
    "x" * 4096,
)


def _expect_401(ctx: Context, response: httpx.Response, what: str) -> None:
    status = response.status_code
    if status != 401:
        ctx.fail(
            f"{what} got {status}, not 401",
            received=f"HTTP {status}",
            documented="401: the request carries no usable credentials (RFC 9110; the FIB "
            "docs also allow 400 and 422, so this is advisory)",
            hint="a server error here means the header is parsed without guarding"
            if status >= 500
            else None,
        )


def _refused(ctx: Context, response: httpx.Response, what: str) -> None:
    """A documented refusal (400, 401 or 422), never a 2xx or a 5xx."""
    operation = f"{response.request.method} {response.request.url.path}"
    missing = what.endswith("without Authorization")
    expect_refused(
        ctx,
        response,
        what,
        hint="a request without usable credentials is the client's fault: 401",
        # The Schemathesis stage's ignored_auth sees the same fault in the same words.
        observed=say.honoured_without_token(operation)
        if missing
        else say.honoured_invalid_token(operation),
    )


def _unusable_authorizations(ctx: Context) -> Iterator[tuple[str, httpx.Response]]:
    """(what, answer) for refresh and logout without a header, then with each garbage value."""
    yield "refresh without Authorization", ctx.request("PATCH", FIB_SESSION_PATH)
    yield "logout without Authorization", ctx.request("POST", FIB_LOGOUT_PATH)
    for value in _GARBAGE_HEADERS:
        shown = value if len(value) <= 40 else f"{value[:20]}… ({len(value)} characters)"
        headers = {"Authorization": value}
        yield (
            f"refresh with Authorization {shown!r}",
            ctx.request("PATCH", FIB_SESSION_PATH, headers=headers),
        )
        yield (
            f"logout with Authorization {shown!r}",
            ctx.request("POST", FIB_LOGOUT_PATH, headers=headers),
        )


@check("fib", group="lifecycle", source=AUTHORIZATION_SOURCE)
@lifecycle("refresh", "logout")
def missing_authorization_is_refused(ctx: Context) -> None:
    """Refresh and logout without an Authorization header are refused (400/401/422), never 5xx.

    Source: the public FIB docs (both routes take a token in Authorization; 400, 401 and
    422 are among their documented answers).
    """
    _refused(ctx, ctx.request("PATCH", FIB_SESSION_PATH), "refresh without Authorization")
    _refused(ctx, ctx.request("POST", FIB_LOGOUT_PATH), "logout without Authorization")


@check("fib", group="lifecycle", source=AUTHORIZATION_SOURCE)
@lifecycle("refresh", "logout")
def garbage_authorization_is_refused(ctx: Context) -> None:
    """Refresh and logout with an unreadable Authorization header are refused, never 5xx.

    Source: the public FIB docs, as for a missing header.
    """
    for what, response in _unusable_authorizations(ctx):
        if what.endswith("without Authorization"):
            continue
        _refused(ctx, response, what)


@check(
    "fib",
    group="lifecycle",
    level="advisory",
    source=(
        "RFC 9110 §15.5.2: a server generating a 401 MUST send a WWW-Authenticate header field "
        "(the FIB docs also allow 400 and 422)"
    ),
)
@lifecycle("refresh", "logout")
def unusable_authorization_gets_401(ctx: Context) -> None:
    """A missing or unreadable Authorization header gets exactly 401 with WWW-Authenticate.

    Advisory: RFC 9110 (401 carries a WWW-Authenticate challenge); the FIB docs also
    allow 400 and 422 for these requests.
    """
    for what, response in _unusable_authorizations(ctx):
        _expect_401(ctx, response, what)
        require_challenge(ctx, response, what)
