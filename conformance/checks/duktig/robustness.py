"""Duktig robustness: malformed bodies sent with the right key get a 4xx, never a 5xx or tokens."""

from __future__ import annotations

from typing import Any

from conformance.checks.duktig.common import auth_key, request_token
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context

# Malformed bodies, each sent with the right key: (what it is, JSON body or raw bytes).
BAD_INPUTS: tuple[tuple[str, Any], ...] = (
    ("body that is not JSON", b"{not json"),
    ("JSON array instead of an object", [1, 2]),
    ("JSON string instead of an object", "email"),
    ("empty object", {}),
    ("email as a number", {"email": 12345, "password": "Secret-123"}),
    ("email as null", {"email": None, "password": "Secret-123"}),
    ("password as a list", {"email": "a@example.com", "password": ["Secret-123"]}),
    ("password as an object", {"email": "a@example.com", "password": {"p": 1}}),
    ("10 000-character email", {"email": "a" * 10_000 + "@example.com", "password": "Secret-123"}),
)


@check(
    "duktig",
    group="robustness",
    source="seed 004: a body it cannot take gets 422 (its general error page: 400 for non-JSON)",
)
@requires_credentials
def no_server_error_on_bad_input(ctx: Context) -> None:
    """Malformed bodies with the right key get a 4xx, never a 5xx or tokens.

    Source: seed 004's 422 and its general error page (400 for a body that is not JSON).
    """
    auth_key(ctx)
    for what, payload in BAD_INPUTS:
        response = request_token(ctx, payload)
        if not 400 <= response.status_code < 500:
            ctx.fail(
                f"{what} was not refused with a 4xx",
                received=f"HTTP {response.status_code}",
                documented="a 4xx (seed 004's 422 covers bad fields; Duktig's general error "
                "page answers 400 with a list of messages for a body that is not JSON; this "
                "project answers 400 for unparsable JSON and 422 with the account message "
                "for other non-objects)",
                hint="check types before formats, formats before the store",
            )
