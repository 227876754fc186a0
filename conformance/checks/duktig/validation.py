"""Duktig's 422 map: a missing or invalid email, a weak password or an extra key gets 422
with seed 004's message under the documented field.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.duktig.common import (
    EXACT_KEYS,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PASSWORD_STRENGTH,
    REQUIRED_VALUE,
    VALID_EMAIL,
    auth_key,
    request_token,
    unknown_email,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


def _expect_422_message(ctx: Context, body: Any, field: str, message: str, what: str) -> None:
    """Fail unless ``body`` sent with the right key gets 422 listing ``message`` under ``field``."""
    response = request_token(ctx, body)
    documented = f'422 {{"{field}": [..., "{message}", ...], ...}} (seed 004)'
    if response.status_code != 422:
        ctx.fail(
            f"{what} did not get 422",
            received=f"HTTP {response.status_code}",
            documented=documented,
        )
    errors = ctx.json_of(response)
    messages = errors.get(field) if isinstance(errors, dict) else None
    if not isinstance(messages, list) or message not in messages:
        ctx.fail(
            f"{what}: 422 body lacks the documented {field} message",
            received=repr(errors)[:300],
            documented=documented,
        )


@check("duktig", group="validation", source='seed 004: 422 "Required value" under email')
@requires_credentials
def missing_email_gets_required_value(ctx: Context) -> None:
    """A body without email gets 422 with "Required value" under email.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    _expect_422_message(
        ctx, {"password": "Secret-123"}, "email", REQUIRED_VALUE, "a body without email"
    )


@check(
    "duktig",
    group="validation",
    source='seed 004: 422 "Required valid email address" under email',
)
@requires_credentials
def invalid_email_gets_valid_email_message(ctx: Context) -> None:
    """An email that is not an address gets 422 with "Required valid email address".

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    _expect_422_message(
        ctx,
        {"email": "not-an-email", "password": "Secret-123"},
        "email",
        VALID_EMAIL,
        "an invalid email",
    )


@check("duktig", group="validation", source='seed 004: 422 "Required value" under password')
@requires_credentials
def missing_password_gets_required_value(ctx: Context) -> None:
    """A body without password gets 422 with "Required value" under password.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    _expect_422_message(
        ctx, {"email": unknown_email(ctx)}, "password", REQUIRED_VALUE, "a body without password"
    )


@check(
    "duktig",
    group="validation",
    source='seed 004: 422 "Required not weak Password Strength between 6 - 256 chars"',
)
@requires_credentials
def short_password_gets_strength_message(ctx: Context) -> None:
    """A 5-character password gets 422 with the 6 - 256 chars strength message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": unknown_email(ctx), "password": "x" * (PASSWORD_MIN - 1)}
    _expect_422_message(ctx, body, "password", PASSWORD_STRENGTH, "a 5-character password")


@check(
    "duktig",
    group="validation",
    source='seed 004: 422 "Required not weak Password Strength between 6 - 256 chars"',
)
@requires_credentials
def long_password_gets_strength_message(ctx: Context) -> None:
    """A 257-character password gets 422 with the 6 - 256 chars strength message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": unknown_email(ctx), "password": "x" * (PASSWORD_MAX + 1)}
    _expect_422_message(ctx, body, "password", PASSWORD_STRENGTH, "a 257-character password")


@check(
    "duktig",
    group="validation",
    source='seed 004: 422 "Required exact values as: email, password" under account',
)
@requires_credentials
def extra_key_gets_account_message(ctx: Context) -> None:
    """A body with a key besides email and password gets 422 with the account message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": unknown_email(ctx), "password": "Secret-123", "remember": True}
    _expect_422_message(ctx, body, "account", EXACT_KEYS, "a body with an extra key")
