"""HTTP semantics on Duktig's sign-in (RFC 9110): the JSON media type in any spelling, the
X-Auth-Key header name in any case, HEAD and OPTIONS without a 5xx, Allow on every 405.
The claims are :mod:`conformance.checks.http_semantics`'s; the known-good request is the
active user's sign-in with the configured key (its refusal is the sign-in check's).
"""

from __future__ import annotations

from conformance.checks import http_semantics
from conformance.checks.duktig.common import AUTH_HEADER, sign_in_control
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check(
    "duktig",
    group="http",
    source=(
        "seed 004: the request carries Content-Type: application/json; "
        f"{http_semantics.MEDIA_TYPE_SOURCE}"
    ),
)
@requires_credentials
def json_media_type_is_read_in_any_spelling(ctx: Context) -> None:
    """A correct sign-in is accepted as Application/JSON and with a charset parameter."""
    control = sign_in_control(ctx, "the same sign-in as application/json")
    http_semantics.accepts_media_type_variants(ctx, control)


@check(
    "duktig",
    group="http",
    source=(
        f"seed 004: the key is sent in the X-Auth-Key header; {http_semantics.FIELD_NAME_SOURCE}"
    ),
)
@requires_credentials
def header_names_are_case_insensitive(ctx: Context) -> None:
    """A correct sign-in is accepted with the key sent as X-AUTH-KEY."""
    control = sign_in_control(ctx, f"the same sign-in with {AUTH_HEADER}")
    http_semantics.accepts_header_name_in_other_case(ctx, control, AUTH_HEADER)


@check(
    "duktig",
    group="http",
    source=f"seed 004: POST /auth/token and its answers; {http_semantics.SERVER_FAILED_SOURCE}",
)
def head_and_options_never_5xx(ctx: Context) -> None:
    """HEAD and OPTIONS on each documented path are answered without a 5xx (501 aside)."""
    http_semantics.require_no_5xx_on_probes(ctx)


@check("duktig", group="http", source=http_semantics.ALLOW_SOURCE)
def method_not_allowed_carries_allow(ctx: Context) -> None:
    """Every 405 answer carries an Allow header."""
    http_semantics.require_allow_on_405(ctx)
