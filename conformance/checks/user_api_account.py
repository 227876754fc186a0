"""User API prerequisites: a fresh account, a login, a token, had from any answer that serves.

A check needing an account takes it from here; when one cannot be had, the check is
blocked by the named check that reports the deviation (``signup_answers_200``,
``signup_then_login_round_trip``), so one difference makes one failure.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from conformance import observed
from conformance.engine.context import Context
from conformance.model import CheckBlocked

SIGNUP_PATH = "/api/user/signup"
LOGIN_PATH = "/api/user/login"
USER_FIELDS = ("userId", "email", "userName", "token")
DOCUMENTED_BODY = '200 {"userId": str, "email": str, "userName": str, "token": "<HS256 JWT>"}'


def new_user() -> dict[str, str]:
    """A user no server has seen: random email, name and a password inside every sane limit."""
    tag = secrets.token_hex(6)
    return {
        "name": f"conformance-{tag}",
        "email": f"conformance-{tag}@example.com",
        "password": f"Pw-{secrets.token_urlsafe(12)}",
    }


def user_body_problems(body: Any) -> list[str]:
    """What a 200 body lacks of ``{userId, email, userName, token}``, each a string."""
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, not an object"]
    return [
        f"{name} is absent" if name not in body else f"{name} is {body[name]!r}"
        for name in USER_FIELDS
        if not isinstance(body.get(name), str) or not body.get(name)
    ]


def body_observed(ctx: Context, path: str, body: Any) -> str:
    """The first documented field ``body`` lacks or mistypes, as a fault's observation:
    both operations answer one schema, so the same field missing from both is one fault."""
    subject = observed.answer_subject(ctx.spec, f"POST {path}")
    if not isinstance(body, dict):
        return f"{subject}: not an object"
    for name in USER_FIELDS:
        if name not in body:
            return observed.answer_property(subject, name)
        if not isinstance(body[name], str) or not body[name]:
            return observed.answer_property(subject, name, "not a non-empty string")
    return ""


def _is_2xx(response: httpx.Response) -> bool:
    return 200 <= response.status_code < 300


def _body_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def signup(ctx: Context, user: dict[str, str]) -> dict[str, Any]:
    """Sign ``user`` up and return its answer's body (``{}`` if it has none).

    A prerequisite, not a claim: any 2xx serves if its body carries a token or the new
    account then logs in. Otherwise the check is blocked by ``signup_answers_200``,
    which reports the deviation once.
    """
    response = ctx.post(SIGNUP_PATH, user)
    body = _body_of(response)
    if _is_2xx(response) and (body.get("token") or _logs_in(ctx, user)):
        return body
    # Refused: signup_answers_200 names it; answered without a usable account: the round trip.
    cause = "signup_then_login_round_trip" if _is_2xx(response) else "signup_answers_200"
    ctx.prerequisite_failed(
        cause,
        "signup of a new user gave no usable account",
        received=f"HTTP {response.status_code}",
        documented=DOCUMENTED_BODY,
        hint="the email is random and unused; name, email and password are all plain",
    )


def _logs_in(ctx: Context, user: dict[str, str]) -> bool:
    last = ctx.last
    works = login(ctx, user["email"], user["password"]).status_code == 200
    ctx.last = last  # the signup stays the evidence of record
    return works


def login(ctx: Context, email: str, password: str) -> httpx.Response:
    return ctx.post(LOGIN_PATH, {"email": email, "password": password})


def fresh_session(ctx: Context) -> dict[str, Any]:
    """One account shared by the token checks of a run (kept in ``ctx.cache``).

    A fresh signup when signup serves; else the first user of the credentials file that
    logs in (``"via": "credentials"``, its body a login answer); else the check is blocked.
    """
    if "user_api_session" not in ctx.cache:
        user = new_user()
        try:
            ctx.cache["user_api_session"] = {
                "user": user,
                "body": signup(ctx, user),
                "via": "signup",
            }
        except CheckBlocked:
            ctx.cache["user_api_session"] = _credentials_session(ctx)
    return ctx.cache["user_api_session"]


def _credentials_session(ctx: Context) -> dict[str, Any]:
    """A login of a credentials-file user, the fallback where signup does not serve."""
    for user in (ctx.credentials or {}).get("users") or []:
        response = login(ctx, user.get("email", ""), user.get("password", ""))
        if response.status_code == 200:
            return {"user": user, "body": _body_of(response), "via": "credentials"}
    raise CheckBlocked(
        "signup_answers_200",
        "signup gave no usable account and no user of the credentials file logs in",
    )


def signup_token(ctx: Context) -> Any:
    """The token a fresh signup answered, or blocked when there is none to judge."""
    session = fresh_session(ctx)
    if session["via"] != "signup":
        raise CheckBlocked("signup_answers_200", "no signup answer to judge")
    if not session["body"].get("token"):
        raise CheckBlocked("signup_then_login_round_trip", "the signup answer carries no token")
    return session["body"]["token"]


def same(field: str, got: Any, want: str) -> bool:
    """Equal; an email compared without regard to case (servers may lower-case it)."""
    if field == "email":
        return isinstance(got, str) and got.lower() == want.lower()
    return got == want


def login_session(ctx: Context) -> tuple[dict[str, Any], dict[str, str]]:
    """One login of the run's account (cached): its 200 body, and who it should name.

    Fields the account's own answers lacked are not expected here: their absence is
    ``signup_then_login_round_trip``'s to report.
    """
    if "user_api_login" not in ctx.cache:
        session = fresh_session(ctx)
        user, created = session["user"], session["body"]
        response = login(ctx, user["email"], user["password"])
        if response.status_code != 200:
            ctx.prerequisite_failed(
                "signup_then_login_round_trip",
                "login of a user who just signed up was refused",
                received=f"HTTP {response.status_code}",
                documented=DOCUMENTED_BODY,
            )
        body = ctx.json_of(response)
        if not isinstance(body, dict):
            ctx.prerequisite_failed(
                "signup_then_login_round_trip",
                "login answer is not an object",
                received=repr(body)[:200],
                documented=DOCUMENTED_BODY,
            )
        expected = {"email": user["email"], "userName": user["name"]}
        if created.get("userId") is not None:
            expected["userId"] = created["userId"]
        ctx.cache["user_api_login"] = (body, expected, ctx.last)
    body, expected, exchange = ctx.cache["user_api_login"]
    ctx.last = exchange  # a failure about this login shows this login
    return body, expected


def absent_in(
    body: dict[str, Any], names: Any, cause: str = "signup_then_login_round_trip"
) -> None:
    """Blocked by ``cause`` (the check that reports it) when the answer lacks a field the
    calling check would judge."""
    absent = [name for name in names if name not in body]
    if absent:
        raise CheckBlocked(cause, f"the login answer has no {', '.join(absent)} to judge")
