"""HTTP semantics on the User API's login (RFC 9110): the JSON media type in any spelling,
the Content-Type header name in any case, HEAD and OPTIONS without a 5xx, Allow on every
405. The claims are :mod:`conformance.checks.http_semantics`'s; the known-good request is
the login of the run's account (its refusal is the round trip's to report).
"""

from __future__ import annotations

from conformance.checks import http_semantics
from conformance.checks.controls import Control
from conformance.checks.registry import check
from conformance.checks.user_api.account import fresh_session
from conformance.checks.user_api.common import login_control
from conformance.engine.context import Context

# Seed 003's requests carry no header of their own: the media type's is the one to spell.
CONTENT_TYPE = "Content-Type"


def _control(ctx: Context, what: str) -> Control:
    return login_control(fresh_session(ctx)["user"], what)


@check(
    "user-api",
    group="http",
    source=(
        "seed 003: login and signup take their parameters as a JSON body; "
        f"{http_semantics.MEDIA_TYPE_SOURCE}"
    ),
)
def json_media_type_is_read_in_any_spelling(ctx: Context) -> None:
    """A correct login is accepted as Application/JSON and with a charset parameter."""
    http_semantics.accepts_media_type_variants(ctx, _control(ctx, "the same login"))


@check(
    "user-api",
    group="http",
    source=(
        "seed 003: login and signup take their parameters as a JSON body; "
        f"{http_semantics.FIELD_NAME_SOURCE}"
    ),
)
def header_names_are_case_insensitive(ctx: Context) -> None:
    """A correct login is accepted with its Content-Type header named CONTENT-TYPE."""
    control = _control(ctx, f"the same login with {CONTENT_TYPE}")
    http_semantics.accepts_header_name_in_other_case(ctx, control, CONTENT_TYPE)


@check(
    "user-api",
    group="http",
    source=(
        "seed 003: POST /api/user/login and /api/user/signup; "
        f"{http_semantics.SERVER_FAILED_SOURCE}"
    ),
)
def head_and_options_never_5xx(ctx: Context) -> None:
    """HEAD and OPTIONS on each documented path are answered without a 5xx (501 aside)."""
    http_semantics.require_no_5xx_on_probes(ctx)


@check("user-api", group="http", source=http_semantics.ALLOW_SOURCE)
def method_not_allowed_carries_allow(ctx: Context) -> None:
    """Every 405 answer carries an Allow header."""
    http_semantics.require_allow_on_405(ctx)
