"""Duktig checks (seed 004): the X-Auth-Key gate, the 422 map, 401/403, the token pair.

Seed 004 gives exact messages and shapes, so these checks hold the target to them.
Where it is silent (how a missing X-Auth-Key is refused, what lastLogin means on a
first login, token lifetimes beyond "in the example"), a check demands only what the
documents imply and says so. Every check needs the ``duktig`` credentials section
(``authKey``; ``users`` or ``inactiveUsers`` where named) and skips without it.

Documents: seed 004 (the authorization page) and Duktig's "General error responses"
page it links to (400 with a list of messages for a body that is not JSON, 401
"Unauthorized", 403 "Forbidden"). Everything they fix is a contract; the reference's
own error bodies for 413/415 and its always-set lastLogin are advisories.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime
from typing import Any

import httpx

from conformance.checks.common import (
    CLOCK_TOLERANCE_SECONDS,
    judge_responses,
    require_jwt,
)
from conformance.checks.registry import CheckBlocked, CheckSkipped, check, requires_credentials
from conformance.engine.context import Context

TOKEN_PATH = "/auth/token"
AUTH_HEADER = "X-Auth-Key"

# Seed 004's messages, word for word.
REQUIRED_VALUE = "Required value"
VALID_EMAIL = "Required valid email address"
PASSWORD_STRENGTH = "Required not weak Password Strength between 6 - 256 chars"
EXACT_KEYS = "Required exact values as: email, password"
INCORRECT_CREDENTIALS = "Incorrect credentials"
INACTIVE_MESSAGE = "Due to the status of your account, you are not able to access this resource"
SIGNED_IN = "Signed in successfully"

PASSWORD_MIN, PASSWORD_MAX = 6, 256
LAST_LOGIN_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
LAST_LOGIN_FORMAT = "%Y-%m-%d %H:%M:%S"

ACCESS_CLAIMS = ("iss", "aud", "sub", "jti", "nbf", "iat", "exp", "account")
ACCOUNT_FIELDS = ("userId", "firstName", "lastName", "email", "roleId")
TIME_CLAIMS = ("nbf", "iat", "exp")
DOCUMENTED_OK = (
    '200 {"status": "OK", "message": "Signed in successfully", "lastLogin": '
    '"YYYY-MM-DD HH:MM:SS", "access_token": str, "expires_in": <Unix time>, '
    '"refresh_token": str}'
)


# The check that reports a sign-in that does not serve; the others are blocked by it.
SIGN_IN_CHECK = "success_body_has_documented_fields"


def auth_key(ctx: Context) -> str:
    key = (ctx.credentials or {}).get("authKey")
    if not isinstance(key, str) or not key:
        raise CheckSkipped("no authKey in the 'duktig' credentials section")
    return key


def _user(ctx: Context, section: str) -> dict[str, str]:
    users = (ctx.credentials or {}).get(section) or []
    if not users:
        raise CheckSkipped(f"no {section} in the 'duktig' credentials section")
    return users[0]


def active_user(ctx: Context) -> dict[str, str]:
    return _user(ctx, "users")


def inactive_user(ctx: Context) -> dict[str, str]:
    return _user(ctx, "inactiveUsers")


def request_token(
    ctx: Context, body: Any, *, key: str | None = None, send_key: bool = True
) -> httpx.Response:
    """POST /auth/token with the configured X-Auth-Key unless told otherwise."""
    headers = {AUTH_HEADER: key if key is not None else auth_key(ctx)} if send_key else {}
    if isinstance(body, bytes):
        headers["Content-Type"] = "application/json"
        return ctx.request("POST", TOKEN_PATH, content=body, headers=headers)
    return ctx.post(TOKEN_PATH, body, headers=headers)


def sign_in(ctx: Context, *, fresh: bool = False) -> dict[str, Any]:
    """Log the first active user in; return the 200 body, or fail the calling check."""
    if not fresh and "duktig_login" in ctx.cache:
        ctx.last = ctx.cache["duktig_login"]["exchange"]
        return ctx.cache["duktig_login"]["body"]
    user = active_user(ctx)
    response = request_token(ctx, {"email": user["email"], "password": user["password"]})
    if response.status_code != 200:
        ctx.prerequisite_failed(
            SIGN_IN_CHECK,
            "sign-in with valid credentials was refused",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_OK,
            hint="check authKey and users in the credentials file",
        )
    body = ctx.json_of(response)
    if not isinstance(body, dict):
        ctx.prerequisite_failed(
            SIGN_IN_CHECK,
            "sign-in body is not an object",
            received=repr(body)[:200],
            documented=DOCUMENTED_OK,
        )
    if not fresh:
        ctx.cache["duktig_login"] = {"body": body, "exchange": ctx.last}
    return body


def _refused_for_key(ctx: Context, response: httpx.Response, what: str) -> None:
    documented = (
        "401 or 403 and no token (seed 004 only says the key is required; Duktig's general "
        "error page gives 401 Unauthorized and 403 Forbidden; this project answers 401)"
    )
    if response.status_code not in (401, 403):
        ctx.fail(
            f"{what} was not refused",
            received=f"HTTP {response.status_code}",
            documented=documented,
        )
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and (body.get("access_token") or body.get("refresh_token")):
        ctx.fail(
            f"{what} was answered with tokens",
            received="a body carrying tokens",
            documented=documented,
        )


@check("duktig", group="auth-key")
@requires_credentials
def missing_auth_key_rejected(ctx: Context) -> None:
    """Valid credentials without an X-Auth-Key header get 401/403 and no tokens.

    Source: seed 004 (X-Auth-Key is a required header) and its general error page.
    """
    user = active_user(ctx)
    response = request_token(
        ctx, {"email": user["email"], "password": user["password"]}, send_key=False
    )
    _refused_for_key(ctx, response, "a request without X-Auth-Key")


@check("duktig", group="auth-key")
@requires_credentials
def wrong_auth_key_rejected(ctx: Context) -> None:
    """Valid credentials with a wrong X-Auth-Key (near miss and random) get 401/403.

    Source: seed 004 (the key is the configured value) and its general error page.
    """
    user = active_user(ctx)
    body = {"email": user["email"], "password": user["password"]}
    real = auth_key(ctx)
    for wrong in (real[:-1] + ("x" if real[-1:] != "x" else "y"), secrets.token_urlsafe(16)):
        response = request_token(ctx, body, key=wrong)
        _refused_for_key(ctx, response, "a request with a wrong X-Auth-Key")


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


def _stranger() -> str:
    return f"conformance-{secrets.token_hex(6)}@example.com"


@check("duktig", group="validation")
@requires_credentials
def missing_email_gets_required_value(ctx: Context) -> None:
    """A body without email gets 422 with "Required value" under email.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    _expect_422_message(
        ctx, {"password": "Secret-123"}, "email", REQUIRED_VALUE, "a body without email"
    )


@check("duktig", group="validation")
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


@check("duktig", group="validation")
@requires_credentials
def missing_password_gets_required_value(ctx: Context) -> None:
    """A body without password gets 422 with "Required value" under password.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    _expect_422_message(
        ctx, {"email": _stranger()}, "password", REQUIRED_VALUE, "a body without password"
    )


@check("duktig", group="validation")
@requires_credentials
def short_password_gets_strength_message(ctx: Context) -> None:
    """A 5-character password gets 422 with the 6 - 256 chars strength message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": _stranger(), "password": "x" * (PASSWORD_MIN - 1)}
    _expect_422_message(ctx, body, "password", PASSWORD_STRENGTH, "a 5-character password")


@check("duktig", group="validation")
@requires_credentials
def long_password_gets_strength_message(ctx: Context) -> None:
    """A 257-character password gets 422 with the 6 - 256 chars strength message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": _stranger(), "password": "x" * (PASSWORD_MAX + 1)}
    _expect_422_message(ctx, body, "password", PASSWORD_STRENGTH, "a 257-character password")


@check("duktig", group="validation")
@requires_credentials
def extra_key_gets_account_message(ctx: Context) -> None:
    """A body with a key besides email and password gets 422 with the account message.

    Source: seed 004's 422 example, message for message.
    """
    auth_key(ctx)
    body = {"email": _stranger(), "password": "Secret-123", "remember": True}
    _expect_422_message(ctx, body, "account", EXACT_KEYS, "a body with an extra key")


def _expect_error_body(
    ctx: Context, response: httpx.Response, status: int, message: str, what: str
) -> None:
    documented = f'{status} {{"status": "error", "message": "{message}"}} (seed 004)'
    if response.status_code != status:
        ctx.fail(
            f"{what} did not get {status}",
            received=f"HTTP {response.status_code}",
            documented=documented,
        )
    body = ctx.json_of(response)
    if (
        not isinstance(body, dict)
        or body.get("status") != "error"
        or body.get("message") != message
    ):
        ctx.fail(
            f"{what}: {status} body differs from the documented one",
            received=repr(body)[:300],
            documented=documented,
        )


@check("duktig", group="login")
@requires_credentials
def incorrect_credentials_get_401(ctx: Context) -> None:
    """A wrong password for a known user, and an unknown email, both get the documented 401.

    Source: seed 004 (401 {"status": "error", "message": "Incorrect credentials"}).
    """
    user = active_user(ctx)
    wrong = request_token(ctx, {"email": user["email"], "password": user["password"] + "-x"})
    _expect_error_body(ctx, wrong, 401, INCORRECT_CREDENTIALS, "a wrong password")
    unknown = request_token(ctx, {"email": _stranger(), "password": "Secret-123"})
    _expect_error_body(ctx, unknown, 401, INCORRECT_CREDENTIALS, "an unknown email")


@check("duktig", group="login")
@requires_credentials
def inactive_account_gets_403(ctx: Context) -> None:
    """An inactive account with its correct password gets the documented 403 and no tokens.

    Source: seed 004 (403, "Due to the status of your account, ...").
    """
    user = inactive_user(ctx)
    response = request_token(ctx, {"email": user["email"], "password": user["password"]})
    _expect_error_body(ctx, response, 403, INACTIVE_MESSAGE, "an inactive account")


@check("duktig", group="login")
@requires_credentials
def success_body_has_documented_fields(ctx: Context) -> None:
    """A successful sign-in answers status "OK", the documented message and every field.

    Source: seed 004's success response. lastLogin may be null: it is the previous
    sign-in, and a first sign-in has none (Duktig itself answers null then).
    """
    body = sign_in(ctx)
    problems = []
    if body.get("status") != "OK":
        problems.append(f"status={body.get('status')!r}")
    if body.get("message") != SIGNED_IN:
        problems.append(f"message={body.get('message')!r}")
    if "lastLogin" not in body or not isinstance(body["lastLogin"], str | None):
        problems.append(f"lastLogin={body.get('lastLogin', '(absent)')!r}")
    for name in ("access_token", "refresh_token"):
        if not isinstance(body.get(name), str) or not body.get(name):
            problems.append(f"{name}={body.get(name)!r}")
    expires = body.get("expires_in")
    if not isinstance(expires, int) or isinstance(expires, bool):
        problems.append(f"expires_in={expires!r}")
    if problems:
        ctx.fail(
            "sign-in body differs from the documented one",
            received=", ".join(problems),
            documented=DOCUMENTED_OK,
        )


@check("duktig", group="tokens")
@requires_credentials
def expires_in_matches_access_exp(ctx: Context) -> None:
    """expires_in is a Unix time in the future, equal to the access token's exp.

    Source: seed 004 ("The expires_in is the access token expiration time in unix format").
    """
    body = sign_in(ctx)
    expires = body.get("expires_in")
    exp = require_jwt(ctx, body.get("access_token"), "access_token").claims.get("exp")
    documented = (
        "expires_in = access token exp, a Unix time (seed 004: 'expiration time in unix format')"
    )
    if not isinstance(expires, int) or isinstance(expires, bool) or expires != exp:
        ctx.fail(
            "expires_in is not the access token's exp",
            received=f"expires_in={expires!r}, exp={exp!r}",
            documented=documented,
        )
    if expires < time.time() - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "expires_in is in the past",
            received=f"{expires} (now {int(time.time())})",
            documented=documented,
            hint="a lifetime in seconds is not a Unix time",
        )


@check("duktig", group="login")
@requires_credentials
def last_login_has_documented_format(ctx: Context) -> None:
    """lastLogin is a real date and time written "YYYY-MM-DD HH:MM:SS" once there was a login.

    Source: seed 004's example ("2019-11-15 11:55:37"). Null is the answer on a first
    sign-in (no previous one), so a null is judged by signing in once more.
    """
    body = sign_in(ctx)
    if "lastLogin" not in body:
        raise CheckBlocked(SIGN_IN_CHECK, "the sign-in answer has no lastLogin to judge")
    value = body["lastLogin"]
    documented = (
        '"YYYY-MM-DD HH:MM:SS", e.g. "2019-11-15 11:55:37" (seed 004); null only on a '
        "user's first sign-in"
    )
    if value is None:
        value = sign_in(ctx, fresh=True).get("lastLogin")
        if value is None:
            ctx.fail(
                "lastLogin is null although the user signed in just before",
                received="null on the second sign-in in a row",
                documented=documented,
            )
    try:
        ok = isinstance(value, str) and bool(LAST_LOGIN_SHAPE.match(value))
        if ok:
            datetime.strptime(value, LAST_LOGIN_FORMAT)
    except ValueError:
        ok = False
    if not ok:
        ctx.fail(
            "lastLogin is not in the documented format", received=repr(value), documented=documented
        )


def _claim_problems(claims: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    problems = [f"{name} missing" for name in names if name not in claims]
    problems += [
        f"{name}={claims[name]!r} is not an integer"
        for name in TIME_CLAIMS
        if name in claims and (not isinstance(claims[name], int) or isinstance(claims[name], bool))
    ]
    problems += [
        f"{name}={claims[name]!r} is not a string"
        for name in ("iss", "aud", "sub", "jti")
        if name in claims and not isinstance(claims[name], str)
    ]
    return problems


@check("duktig", group="tokens")
@requires_credentials
def tokens_have_documented_claims(ctx: Context) -> None:
    """Both tokens are HS256 JWTs with typ/cty JWT and the claims of seed 004's example.

    Source: seed 004's example access and refresh tokens (headers and claims).
    """
    body = sign_in(ctx)
    documented = (
        'header {"typ": "JWT", "cty": "JWT", "alg": "HS256"}; claims iss, aud, sub, jti '
        "(strings), nbf, iat, exp (integers), account {userId, firstName, lastName, email, "
        "roleId} (refresh token: account {userId}); exp after nbf/iat, refresh exp after "
        "access exp (lifetimes of 1 and 30 days are only the example's, not required)"
    )
    access = require_jwt(ctx, body.get("access_token"), "access_token")
    refresh = require_jwt(ctx, body.get("refresh_token"), "refresh_token")
    problems: list[str] = []
    for label, token in (("access", access), ("refresh", refresh)):
        header = token.header
        if header.get("alg") != "HS256" or header.get("typ") != "JWT" or header.get("cty") != "JWT":
            problems.append(f"{label} header {header!r}")
        problems += [f"{label} {p}" for p in _claim_problems(token.claims, ACCESS_CLAIMS)]
    account = access.claims.get("account")
    if not isinstance(account, dict):
        problems.append(f"access account={account!r}")
    else:
        problems += [f"access account.{f} missing" for f in ACCOUNT_FIELDS if f not in account]
    refresh_account = refresh.claims.get("account")
    if not isinstance(refresh_account, dict) or "userId" not in refresh_account:
        problems.append(f"refresh account={refresh_account!r}")
    if not problems:
        a, r = access.claims, refresh.claims
        if not a["exp"] > a["iat"] >= a["nbf"] - CLOCK_TOLERANCE_SECONDS:
            problems.append(f"access nbf/iat/exp out of order: {a['nbf']}/{a['iat']}/{a['exp']}")
        if not r["exp"] > a["exp"]:
            problems.append(f"refresh exp {r['exp']} is not after access exp {a['exp']}")
        if isinstance(account, dict) and account.get("userId") != refresh_account.get("userId"):
            problems.append("access and refresh tokens name different users")
    if problems:
        ctx.fail(
            "tokens lack documented parts", received="; ".join(problems), documented=documented
        )


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


@check("duktig", group="robustness")
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


def _schema_probes(ctx: Context) -> list[tuple[str, str, httpx.Response]]:
    """Sign-in, wrong password, bad fields, no key, the inactive user, a body not JSON."""
    user = active_user(ctx)
    answers = [
        request_token(ctx, {"email": user["email"], "password": user["password"]}),
        request_token(ctx, {"email": user["email"], "password": user["password"] + "-x"}),
        request_token(ctx, {"email": "not-an-email", "password": "x"}),
        request_token(ctx, {"email": user["email"], "password": user["password"]}, send_key=False),
        request_token(ctx, b"{not json"),
    ]
    inactive = (ctx.credentials or {}).get("inactiveUsers") or []
    if inactive:
        answers.append(
            request_token(ctx, {"email": inactive[0]["email"], "password": inactive[0]["password"]})
        )
    return [("POST", TOKEN_PATH, response) for response in answers]


@check("duktig", group="schema")
@requires_credentials
def response_bodies_match_the_spec(ctx: Context) -> None:
    """200, 400, 401, 403 and 422 answers match the documented contract in the spec.

    Source: seed 004 and its general error page (a 400 or 422 may be a list of messages).
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for duktig")
    judge_responses(
        ctx,
        _schema_probes(ctx),
        strict=False,
        bodies_judged_by="success_body_has_documented_fields",
    )


@check("duktig", group="schema", level="advisory")
@requires_credentials
def responses_follow_the_project_choices(ctx: Context) -> None:
    """Answers take the reference's shapes: lastLogin always a date, 422 always a field map.

    Advisory: the x-authconform-advisory marks in spec/duktig.openapi.yaml.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for duktig")
    judge_responses(ctx, _schema_probes(ctx), strict=True)


@check("duktig", group="tokens")
@requires_credentials
def token_account_names_the_signed_in_user(ctx: Context) -> None:
    """The access token's account is the user who signed in; the refresh token's the same id.

    Source: seed 004's example access token, whose account {userId, firstName, lastName,
    email, roleId} describes the signed-in user, and its refresh token's account {userId}.
    """
    user = active_user(ctx)
    body = sign_in(ctx)
    access = require_jwt(ctx, body.get("access_token"), "access_token")
    refresh = require_jwt(ctx, body.get("refresh_token"), "refresh_token")
    account = access.claims.get("account")
    email = account.get("email") if isinstance(account, dict) else None
    documented = (
        "access account.email = the email that signed in; refresh account.userId = access "
        "account.userId (seed 004's example tokens)"
    )
    if not isinstance(email, str) or email.lower() != user["email"].lower():
        ctx.fail(
            "access token names another user",
            received=f"account.email={email!r}, signed in as {user['email']!r}",
            documented=documented,
        )
    refresh_account = refresh.claims.get("account")
    refresh_id = refresh_account.get("userId") if isinstance(refresh_account, dict) else None
    if refresh_id != account.get("userId"):
        ctx.fail(
            "refresh token names another user than the access token",
            received=f"refresh account.userId={refresh_id!r}, access {account.get('userId')!r}",
            documented=documented,
        )
