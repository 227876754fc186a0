"""Wrong credentials, a taken email and malformed bodies: refused with a 4xx, never a 5xx."""

from __future__ import annotations

from typing import Any

from conformance.checks.controls import require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api.account import (
    LOGIN_PATH,
    SIGNUP_PATH,
    fresh_session,
    login,
    new_user,
    signup,
    signup_control,
)
from conformance.checks.user_api.common import (
    SILENT_ON_ERRORS,
    is_4xx,
    login_control,
    refused_without_token,
)
from conformance.engine.context import Context


@check(
    "user-api",
    group="login",
    source="seed 003: login takes the email and the password to acquire a token",
)
def wrong_password_rejected(ctx: Context) -> None:
    """Login with the right email and a wrong password is refused with a 4xx and no token.

    Source: seed 003 (login takes the email and password to acquire a token).
    """
    user = fresh_session(ctx)["user"]
    response = login(ctx, user["email"], user["password"] + "-wrong")
    refused_without_token(ctx, response, "login with a wrong password", "401")
    require_accepted(ctx, login_control(user, "the same login with the right password"))


@check(
    "user-api",
    group="login",
    source="seed 003: login takes the email and the password to acquire a token",
)
def unknown_email_rejected(ctx: Context) -> None:
    """Login with an email nobody signed up with is refused with a 4xx and no token.

    Source: seed 003, as for a wrong password.
    """
    stranger = new_user(ctx)
    response = login(ctx, stranger["email"], stranger["password"])
    refused_without_token(ctx, response, "login with an unknown email", "401")
    known = fresh_session(ctx)["user"]
    require_accepted(ctx, login_control(known, "a login with a registered email"))


@check(
    "user-api",
    group="signup",
    source="seed 003: login finds the user by email, so an email names one account",
)
def duplicate_signup_rejected(ctx: Context) -> None:
    """A second signup with a taken email is refused, and the first account is unchanged.

    Source: seed 003's login finds the user by email, so an email names one account.
    """
    user = new_user(ctx)
    first = signup(ctx, user)
    other = new_user(ctx, "intruder")
    intruder = {**other, "email": user["email"]}
    response = ctx.post(SIGNUP_PATH, intruder)
    refused_without_token(ctx, response, "a second signup with the same email", "409")
    require_accepted(ctx, signup_control(other, "the same signup with an unused email"))
    again = login(ctx, user["email"], user["password"])
    kept = ctx.json_of(again) if again.status_code == 200 else None
    # The userId is compared when signup gave one (its absence is the round trip's fault).
    unchanged = isinstance(kept, dict) and (
        "userId" not in first or kept.get("userId") == first["userId"]
    )
    if not unchanged:
        ctx.fail(
            "the first account changed after a refused duplicate signup",
            received=f"HTTP {again.status_code} for the original password",
            documented="the original user still logs in, with the same userId",
        )
    stolen = login(ctx, intruder["email"], intruder["password"])
    if stolen.status_code == 200:
        ctx.fail(
            "the duplicate signup's password logs in",
            received="HTTP 200 for the second signup's password",
            documented="a refused signup leaves no account behind",
            hint="the email is not unique in the user table, or signup overwrote the password",
        )


# Malformed requests for both endpoints: (what it is, JSON body or raw bytes).
BAD_INPUTS: tuple[tuple[str, Any], ...] = (
    ("body that is not JSON", b"{not json"),
    ("JSON array instead of an object", []),
    ("empty object", {}),
    ("email as a number", {"name": "n", "email": 12345, "password": "Pass-word-1"}),
    ("email as null", {"name": "n", "email": None, "password": "Pass-word-1"}),
    ("password as a list", {"name": "n", "email": "a@example.com", "password": ["x"]}),
    ("name as an object", {"name": {"x": 1}, "email": "a@example.com", "password": "Pass-word-1"}),
)


@check(
    "user-api",
    group="robustness",
    source="seed 003: the fields are required strings in a JSON body",
)
def no_server_error_on_bad_input(ctx: Context) -> None:
    """Malformed signup and login bodies get a 4xx, never a 5xx or a 2xx.

    Source: seed 003 (the fields are required strings in a JSON body).
    """
    for path in (SIGNUP_PATH, LOGIN_PATH):
        for what, payload in BAD_INPUTS:
            if isinstance(payload, bytes):
                response = ctx.request(
                    "POST", path, content=payload, headers={"Content-Type": "application/json"}
                )
            else:
                response = ctx.post(path, payload)
            if not is_4xx(response):
                ctx.fail(
                    f"{what} to {path} was not refused with a 4xx",
                    received=f"HTTP {response.status_code}",
                    documented=SILENT_ON_ERRORS.format("400"),
                    hint="validate types and formats before touching the store",
                )
