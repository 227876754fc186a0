"""HTTP semantics on FIB's session routes (RFC 9110): the JSON media type in any spelling on
the login, the Authorization header name in any case on refresh and logout, HEAD and
OPTIONS without a 5xx, Allow on every 405. The claims are
:mod:`conformance.checks.http_semantics`'s; the known-good requests are the first user's
signed login and a refresh and a logout with fresh tokens (each refusal of a plain one is
the check that owns it).
"""

from __future__ import annotations

import httpx

from conformance.checks import http_semantics
from conformance.checks.fib.login_common import FIB_LOGOUT_PATH, FIB_SESSION_PATH, login_control
from conformance.checks.fib.session_common import lifecycle, login_pair
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context

AUTHORIZATION = "Authorization"


def _refresh_with(ctx: Context, name: str) -> httpx.Response:
    _, refresh_token = login_pair(ctx)
    return ctx.request("PATCH", FIB_SESSION_PATH, headers={name: refresh_token})


def _logout_with(ctx: Context, name: str) -> httpx.Response:
    access, _ = login_pair(ctx)
    return ctx.request("POST", FIB_LOGOUT_PATH, headers={name: access})


def _is_200(status: int) -> bool:
    return status == 200


@check(
    "fib",
    group="http",
    source=f"seeds 000-002: the login body is JSON; {http_semantics.MEDIA_TYPE_SOURCE}",
)
@requires_credentials
def json_media_type_is_read_in_any_spelling(ctx: Context) -> None:
    """A correctly signed login is accepted as Application/JSON and with a charset parameter."""
    control = login_control(ctx, "the same login as application/json")
    http_semantics.accepts_media_type_variants(ctx, control)


@check(
    "fib",
    group="http",
    source=(
        "FIB docs: refresh and logout take the token in the Authorization header; "
        f"{http_semantics.FIELD_NAME_SOURCE}"
    ),
)
@lifecycle("refresh", "logout")
@requires_credentials
def header_names_are_case_insensitive(ctx: Context) -> None:
    """Refresh and logout are accepted with the token sent as AUTHORIZATION."""
    for operation, send, owner in (
        (f"PATCH {FIB_SESSION_PATH}", _refresh_with, "refresh_returns_new_token_pair"),
        (f"POST {FIB_LOGOUT_PATH}", _logout_with, "logout_succeeds"),
    ):
        http_semantics.accepts_sent_header_name_in_other_case(
            ctx,
            lambda name, send=send: send(ctx, name),
            operation=operation,
            name=AUTHORIZATION,
            owner=owner,
            what=f"{operation} with {AUTHORIZATION} and a fresh token",
            accepted=_is_200,
        )


@check(
    "fib",
    group="http",
    source=(
        "seeds 000-002: the session path's methods and answers; "
        f"{http_semantics.SERVER_FAILED_SOURCE}"
    ),
)
def head_and_options_never_5xx(ctx: Context) -> None:
    """HEAD and OPTIONS on each documented path are answered without a 5xx (501 aside)."""
    http_semantics.require_no_5xx_on_probes(ctx)


@check("fib", group="http", source=http_semantics.ALLOW_SOURCE)
def method_not_allowed_carries_allow(ctx: Context) -> None:
    """Every 405 answer carries an Allow header."""
    http_semantics.require_allow_on_405(ctx)
