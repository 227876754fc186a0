"""User API prerequisites: a fresh account, a login, a token, had from any answer that serves.

A check needing an account takes it from here; when one cannot be had, the check is
blocked by the named check that reports the deviation (``signup_answers_200``,
``signup_then_login_round_trip``), so one difference makes one failure. Every user is
invented from the run's seed, with a password any common policy takes; a server whose
policy still refuses it gets one longer, more varied one, then blocks (PASSWORD_POLICY).
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance import observed
from conformance.checks.controls import PASSWORD_POLICY, Control, names_password
from conformance.engine.context import Context
from conformance.engine.evidence import clip
from conformance.engine.invent import PASSWORD_LEVELS, strong_password
from conformance.model import CheckBlocked

SIGNUP_PATH = "/api/user/signup"
LOGIN_PATH = "/api/user/login"
USER_FIELDS = ("userId", "email", "userName", "token")
DOCUMENTED_BODY = '200 {"userId": str, "email": str, "userName": str, "token": "<HS256 JWT>"}'
SIGNUP_CHECK = "signup_answers_200"  # reports a signup of a fresh, plain user that is refused
ROUND_TRIP_CHECK = "signup_then_login_round_trip"  # reports an account that does not log in
PLAIN_USER_HINT = (
    "the email is unused; name, email and a 20-character password of upper and lower case "
    "letters, digits and symbols are all plain"
)
_LEVEL = "user_api_password_level"  # ctx.cache: which of PASSWORD_LEVELS this server takes


def new_user(ctx: Context, purpose: str = "user", *, shared: bool = False) -> dict[str, str]:
    """A user no server has seen, from the run's seed: name, email and a strong password."""
    rng = ctx.rng(purpose, shared=shared)
    label = ctx.invent.label(rng)
    level = PASSWORD_LEVELS[ctx.cache.get(_LEVEL, 0)]
    password = ctx.throwaway(strong_password(rng, level))
    return {"name": label, "email": f"{label}@example.com", "password": password}


def new_password(ctx: Context, purpose: str = "password") -> str:
    """Another password from the run's seed, as strong as the server is known to want."""
    return ctx.throwaway(
        strong_password(ctx.rng(purpose), PASSWORD_LEVELS[ctx.cache.get(_LEVEL, 0)])
    )


def signup_control(
    body: dict[str, Any], what: str = "the same signup with every field valid"
) -> Control:
    """The control of a signup refusal check: ``body`` (all fields valid) is accepted."""
    return Control(SIGNUP_PATH, body, owner=SIGNUP_CHECK, what=what, password_policy=True)


def submit_signup(ctx: Context, user: dict[str, str]) -> httpx.Response:
    """POST the signup; refused for the password (a 4xx naming it), retry once, stronger.

    The retry's password replaces ``user["password"]``, and the stronger level is kept for
    the rest of the run. Still refused for the password: blocked by PASSWORD_POLICY.
    """
    response = ctx.post(SIGNUP_PATH, user)
    level = ctx.cache.get(_LEVEL, 0)
    if names_password(response) and level + 1 < len(PASSWORD_LEVELS):
        ctx.cache[_LEVEL] = level + 1
        user["password"] = new_password(ctx, "password retry")
        response = ctx.post(SIGNUP_PATH, user)
    if names_password(response):
        raise CheckBlocked(
            PASSWORD_POLICY,
            f"the server's password policy refused every password the suite made, up to "
            f"{PASSWORD_LEVELS[-1].length} characters of every class (HTTP "
            f"{response.status_code}: {clip(response.text)[:160]})",
        )
    return response


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
    response = submit_signup(ctx, user)
    body = _body_of(response)
    if _is_2xx(response) and (body.get("token") or _logs_in(ctx, user)):
        return body
    # Refused: signup_answers_200 names it; answered without a usable account: the round trip.
    cause = ROUND_TRIP_CHECK if _is_2xx(response) else SIGNUP_CHECK
    ctx.prerequisite_failed(
        cause,
        "signup of a new user gave no usable account",
        received=f"HTTP {response.status_code}",
        documented=DOCUMENTED_BODY,
        hint=PLAIN_USER_HINT,
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
    logs in (``"via": "credentials"``, its body a login answer, ``"blocked"`` what blocked
    the signup); else the check is blocked by what blocked the signup. Its user is drawn
    shared, so it is the same whichever check asks first.
    """
    if "user_api_session" not in ctx.cache:
        user = new_user(ctx, "session", shared=True)
        try:
            ctx.cache["user_api_session"] = {
                "user": user,
                "body": signup(ctx, user),
                "via": "signup",
            }
        except CheckBlocked as blocked:
            ctx.cache["user_api_session"] = _credentials_session(ctx, blocked)
    return ctx.cache["user_api_session"]


def _credentials_session(ctx: Context, blocked: CheckBlocked) -> dict[str, Any]:
    """A login of a credentials-file user, the fallback where signup does not serve."""
    for user in (ctx.credentials or {}).get("users") or []:
        response = login(ctx, user.get("email", ""), user.get("password", ""))
        if response.status_code == 200:
            body = _body_of(response)
            return {"user": user, "body": body, "via": "credentials", "blocked": blocked}
    raise CheckBlocked(
        blocked.cause,
        f"{blocked.reason}; and no user of the credentials file logs in",
    )


def signup_token(ctx: Context) -> Any:
    """The token a fresh signup answered, or blocked when there is none to judge."""
    session = fresh_session(ctx)
    if session["via"] != "signup":
        raise CheckBlocked("signup_answers_200", "no signup answer to judge")
    if not session["body"].get("token"):
        raise CheckBlocked("signup_then_login_round_trip", "the signup answer carries no token")
    return session["body"]["token"]


def mismatches(found: dict[str, Any], expected: dict[str, str]) -> list[str]:
    """Each expected field ``found`` holds another value of, as ``field='got', not 'want'``;
    an email is compared without regard to case (servers may lower-case it)."""
    return [
        f"{field}={found.get(field)!r}, not {want!r}"
        for field, want in expected.items()
        if not _same(field, found.get(field), want)
    ]


def _same(field: str, got: Any, want: str) -> bool:
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
