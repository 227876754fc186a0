"""User API checks (seed 003): signup and login, the one-hour HS256 token, refusals.

Seed 003 documents only the 200 answers. Where it is silent (error codes, validation)
a check demands only what any careful server does, "a 4xx", and says so; the
project's own choices (400/401/409) are named as one accepted reading, never required.
Every user is invented from the run's seed with the run's tag in its email, so the
checks can run again and again against the same server. A check that expects a refusal
because of one field shows the same request with that field valid accepted (its
control), so a refusal for another reason is never credited to that field.

Levels: what seed 003 says (the 200 bodies, the HS256 token and its claims, "only valid
for 1 hour", required fields) is the contract; the project's limits, status codes and
error body shape are advisories, read from the spec's ``x-authconform-advisory`` marks.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from conformance import observed
from conformance.checks.common import (
    CLOCK_TOLERANCE_SECONDS,
    judge_responses,
    require_jwt,
)
from conformance.checks.controls import Control, require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api_account import (
    DOCUMENTED_BODY,
    LOGIN_PATH,
    PLAIN_USER_HINT,
    ROUND_TRIP_CHECK,
    SIGNUP_PATH,
    absent_in,
    body_observed,
    fresh_session,
    login,
    login_session,
    new_user,
    same,
    signup,
    signup_control,
    signup_token,
    submit_signup,
    user_body_problems,
)
from conformance.engine.context import Context
from conformance.model import CheckSkipped

# Seed 003: "Token is only valid for 1 hour."
TOKEN_LIFETIME_SECONDS = 3600
# A server may read its clock twice (iat, then exp); a second or two apart is still an hour.
LIFETIME_SLACK_SECONDS = 2
SEED_003 = "seed 003"
# Seed 003's example token: its claims and their JSON types.
CLAIM_TYPES = (("userId", str), ("userName", str), ("email", str), ("iat", int), ("exp", int))

SILENT_ON_ERRORS = "a 4xx (seed 003 documents no error codes; this project answers {})"


def _is_4xx(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


def _refused_without_token(ctx: Context, response: httpx.Response, what: str, ours: str) -> None:
    """Fail unless ``response`` is a 4xx that hands out no token."""
    if not _is_4xx(response):
        ctx.fail(
            f"{what} was not refused",
            received=f"HTTP {response.status_code}",
            documented=SILENT_ON_ERRORS.format(ours),
        )
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and body.get("token"):
        ctx.fail(
            f"{what} was answered with a token",
            received=f"HTTP {response.status_code} with a token",
            documented="no token on a refusal",
        )


@check("user-api", group="signup")
def signup_answers_200(ctx: Context) -> None:
    """A signup with a fresh email is answered 200, the one status seed 003 documents for it.

    Source: seed 003 (signup: "Response 200"). A 201 serves as well in practice, so the
    other checks go on with it; this check alone reports the difference.
    """
    response = submit_signup(ctx, new_user(ctx))
    if response.status_code != 200:
        ctx.fail(
            f"signup of a new user was answered {response.status_code}, not 200",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_BODY,
            hint=PLAIN_USER_HINT,
            observed=observed.status(f"POST {SIGNUP_PATH}", response.status_code),
        )


@check("user-api", group="login")
def signup_then_login_round_trip(ctx: Context) -> None:
    """A new user can sign up, then log in with the same email and password.

    Source: seed 003 (signup and login both answer 200 {userId, email, userName, token}).
    """
    user = new_user(ctx)
    created = signup(ctx, user)
    problems = user_body_problems(created)
    if problems:
        ctx.fail(
            "signup answer lacks documented fields",
            received="; ".join(problems),
            documented=DOCUMENTED_BODY,
            observed=body_observed(ctx, SIGNUP_PATH, created),
        )
    if created["email"].lower() != user["email"].lower() or created["userName"] != user["name"]:
        ctx.fail(
            "signup answer describes another user",
            received=f"email={created['email']!r}, userName={created['userName']!r}",
            documented=f"email={user['email']!r}, userName={user['name']!r} (the signup's own)",
        )
    response = login(ctx, user["email"], user["password"])
    if response.status_code != 200:
        ctx.fail(
            "login right after signup was refused",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_BODY,
        )
    body = ctx.json_of(response)
    _require_documented_fields(ctx, body, "login answer")
    if body["userId"] != created["userId"]:
        ctx.fail(
            "login names another userId than signup did",
            received=f"signup userId={created['userId']!r}, login userId={body['userId']!r}",
            documented="the same user both times",
        )


@check("user-api", group="login")
def token_is_hs256_jwt_with_documented_claims(ctx: Context) -> None:
    """The token is an HS256 JWT whose userId, userName and email match the body.

    Source: seed 003's example token (header HS256/JWT; claims userId, userName, email,
    iat, exp, the same as the body's).
    """
    body = fresh_session(ctx)["body"]
    jwt = require_jwt(ctx, signup_token(ctx), "token")
    documented = (
        'header {"alg": "HS256", "typ": "JWT"}; claims userId, userName, email (strings), '
        "iat, exp (integers), as in seed 003's example token"
    )
    if jwt.header.get("alg") != "HS256" or str(jwt.header.get("typ", "JWT")).upper() != "JWT":
        ctx.fail("token header is not HS256/JWT", received=repr(jwt.header), documented=documented)
    claims = jwt.claims
    wrong = [
        f"{k}={claims.get(k)!r}"
        for k in ("userId", "userName", "email")
        if not isinstance(claims.get(k), str)
    ]
    wrong += [
        f"{k}={claims.get(k)!r}"
        for k in ("iat", "exp")
        if not isinstance(claims.get(k), int) or isinstance(claims.get(k), bool)
    ]
    if wrong:
        ctx.fail(
            "token claims are missing or mistyped",
            received=", ".join(wrong),
            documented=documented,
            observed=_claim_observed(claims),
        )
    mismatched = [
        f"{claim}={claims[claim]!r} but body {field}={body[field]!r}"
        for claim, field in (("userId", "userId"), ("userName", "userName"), ("email", "email"))
        if field in body and claims[claim] != body[field]  # an absent field is another check's
    ]
    if mismatched:
        ctx.fail(
            "token claims disagree with the body",
            received="; ".join(mismatched),
            documented="the token describes the user the body names",
        )


@check("user-api", group="login")
def token_lives_one_hour(ctx: Context) -> None:
    """The signup token's exp is one hour after its iat, and that hour has not already passed.

    Source: seed 003 ("Token is only valid for 1 hour"; signup answers the same token).
    """
    _lives_one_hour(ctx, signup_token(ctx), "signup token")


def _claim_observed(claims: dict[str, Any]) -> str:
    """The first documented claim missing or mistyped: the same in two tokens is one fault."""
    for name, kind in CLAIM_TYPES:
        if name not in claims:
            return observed.token_claim(name)
        if not isinstance(claims[name], kind) or isinstance(claims[name], bool):
            return observed.token_claim(name, f"not {'a string' if kind is str else 'an integer'}")
    return ""


def _require_documented_fields(ctx: Context, body: Any, what: str) -> None:
    """Fail unless ``body`` (a login answer, judged on its own) has every documented field."""
    problems = user_body_problems(body)
    if problems:
        ctx.fail(
            f"{what} lacks documented fields",
            received="; ".join(problems),
            documented=DOCUMENTED_BODY,
            observed=body_observed(ctx, LOGIN_PATH, body),
        )


def _lives_one_hour(ctx: Context, token: Any, what: str) -> None:
    claims = require_jwt(ctx, token, what).claims
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        ctx.fail(
            f"{what} lacks integer iat/exp",
            received=f"iat={iat!r}, exp={exp!r}",
            documented="iat and exp as Unix times (seed 003's example token)",
            observed=_claim_observed(claims),
        )
    if abs(exp - iat - TOKEN_LIFETIME_SECONDS) > LIFETIME_SLACK_SECONDS:
        ctx.fail(
            f"{what} does not live one hour",
            received=f"exp - iat = {exp - iat} s",
            documented=f"{TOKEN_LIFETIME_SECONDS} s, ±{LIFETIME_SLACK_SECONDS} s "
            "(seed 003: 'Token is only valid for 1 hour')",
            observed=observed.token_lifetime(exp - iat),
        )
    if exp < time.time() - CLOCK_TOLERANCE_SECONDS:
        ctx.fail(
            "token is already expired",
            received=f"exp={exp}, now={int(time.time())}",
            documented="exp one hour after issue",
            hint="is the server's clock right?",
        )


@check("user-api", group="login")
def wrong_password_rejected(ctx: Context) -> None:
    """Login with the right email and a wrong password is refused with a 4xx and no token.

    Source: seed 003 (login takes the email and password to acquire a token).
    """
    user = fresh_session(ctx)["user"]
    response = login(ctx, user["email"], user["password"] + "-wrong")
    _refused_without_token(ctx, response, "login with a wrong password", "401")
    require_accepted(ctx, _login_control(user, "the same login with the right password"))


def _login_control(user: dict[str, str], what: str) -> Control:
    """A login refusal's control: the run's account logs in (its failure is the round trip's)."""
    body = {"email": user["email"], "password": user["password"]}
    return Control(LOGIN_PATH, body, owner=ROUND_TRIP_CHECK, what=what)


@check("user-api", group="login")
def unknown_email_rejected(ctx: Context) -> None:
    """Login with an email nobody signed up with is refused with a 4xx and no token.

    Source: seed 003, as for a wrong password.
    """
    stranger = new_user(ctx)
    response = login(ctx, stranger["email"], stranger["password"])
    _refused_without_token(ctx, response, "login with an unknown email", "401")
    known = fresh_session(ctx)["user"]
    require_accepted(ctx, _login_control(known, "a login with a registered email"))


@check("user-api", group="signup")
def duplicate_signup_rejected(ctx: Context) -> None:
    """A second signup with a taken email is refused, and the first account is unchanged.

    Source: seed 003's login finds the user by email, so an email names one account.
    """
    user = new_user(ctx)
    first = signup(ctx, user)
    other = new_user(ctx, "intruder")
    intruder = {**other, "email": user["email"]}
    response = ctx.post(SIGNUP_PATH, intruder)
    _refused_without_token(ctx, response, "a second signup with the same email", "409")
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


@check("user-api", group="robustness")
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
            if not _is_4xx(response):
                ctx.fail(
                    f"{what} to {path} was not refused with a 4xx",
                    received=f"HTTP {response.status_code}",
                    documented=SILENT_ON_ERRORS.format("400"),
                    hint="validate types and formats before touching the store",
                )


def _schema_probes(ctx: Context) -> list[tuple[str, str, httpx.Response]]:
    """Signup, login, a duplicate, a wrong password, a malformed login and a short password."""
    user = new_user(ctx)
    signed_up = submit_signup(ctx, user)  # a password policy's refusal blocks, or is retried
    requests = (
        (LOGIN_PATH, {"email": user["email"], "password": user["password"]}),
        (SIGNUP_PATH, user),  # duplicate
        (LOGIN_PATH, {"email": user["email"], "password": user["password"] + "-wrong"}),
        (LOGIN_PATH, {"email": 1}),  # malformed
        (SIGNUP_PATH, {**new_user(ctx), "password": "short"}),  # under the project's limit
    )
    answers = [("POST", path, ctx.post(path, payload)) for path, payload in requests]
    return [("POST", SIGNUP_PATH, signed_up), *answers]


@check("user-api", group="schema")
def response_bodies_match_the_spec(ctx: Context) -> None:
    """Signup and login answers, success and refusal, match the spec's documented contract.

    Source: seed 003 (the 200 bodies); refusals may carry any body, as the seed shows none.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for user-api")
    judge_responses(
        ctx, _schema_probes(ctx), strict=False, bodies_judged_by="signup_then_login_round_trip"
    )


@check("user-api", group="schema", level="advisory")
def responses_follow_the_project_choices(ctx: Context) -> None:
    """Answers take the project's reading: 24-hex userId, 400/401/409, {error, message} bodies.

    Advisory: seed 003 documents no error at all; these are the reference server's
    choices, marked x-authconform-advisory in spec/user-api.openapi.yaml.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for user-api")
    judge_responses(ctx, _schema_probes(ctx), strict=True)


# Bodies the project refuses by its own limits; seed 003 states none of them.
OVER_THE_LIMITS: tuple[tuple[str, dict[str, str]], ...] = (
    ("a 65-character name", {"name": "n" * 65}),
    ("a 7-character password", {"password": "Pw-1234"}),
    ("a 129-character password", {"password": "P" * 129}),
    ("an email without @", {"email": "not-an-email"}),
    ("a 300-character email", {"email": "a" * 288 + "@example.com"}),
)


@check("user-api", group="signup", level="advisory")
def signup_enforces_the_project_limits(ctx: Context) -> None:
    """Signup refuses names over 64 characters, passwords outside 8..128 and non-addresses.

    Advisory: seed 003 gives no limits; these are the project's (x-authconform-advisory).
    """
    fresh_session(ctx)  # settles the password strength this server takes, or blocks
    for what, change in OVER_THE_LIMITS:
        user = new_user(ctx)
        response = ctx.post(SIGNUP_PATH, {**user, **change})
        if not _is_4xx(response):
            ctx.fail(
                f"signup with {what} was not refused",
                received=f"HTTP {response.status_code}",
                documented="a 4xx (project limits: name 1-64, password 8-128, an email "
                "address of at most 254 characters; seed 003 states none)",
            )
        require_accepted(ctx, signup_control(user, f"the same signup without {what}"))


@check("user-api", group="login")
def login_answer_names_the_user(ctx: Context) -> None:
    """Login answers the user who logged in: their userId, email, and name as userName.

    Source: seed 003 (login: "Return user data"; in its example userName is the name
    'admin1', not the email admin1@user.com).
    """
    body, expected = login_session(ctx)
    _require_documented_fields(ctx, body, "login answer")  # login's own answer, judged here
    wrong = [
        f"{field}={body[field]!r}, not {value!r}"
        for field, value in expected.items()
        if not same(field, body[field], value)
    ]
    if wrong:
        ctx.fail(
            "login answer describes another user",
            received="; ".join(wrong),
            documented="the user who logged in: userName is the name given at signup "
            f"({SEED_003}: userName 'admin1' for admin1@user.com)",
        )


@check("user-api", group="login")
def login_token_names_the_user(ctx: Context) -> None:
    """The login token is an HS256 JWT whose userId, userName and email are the user's.

    Source: seed 003 (login: "Return user data with signed-in token"; the example token's
    header is HS256/JWT and its claims name the same user as the body).
    """
    body, expected = login_session(ctx)
    absent_in(body, ("token",), "login_answer_names_the_user")
    jwt = require_jwt(ctx, body["token"], "login token")
    if jwt.header.get("alg") != "HS256":
        ctx.fail(
            "login token is not HS256",
            received=repr(jwt.header),
            documented='header {"alg": "HS256", "typ": "JWT"} (seed 003\'s example token)',
        )
    absent = [claim for claim in expected if claim not in jwt.claims]
    if absent:
        ctx.fail(
            f"login token lacks the claim{'s' if len(absent) > 1 else ''} {', '.join(absent)}",
            received=f"claims {', '.join(sorted(jwt.claims))}",
            documented="claims userId, userName, email of the user who logged in "
            f"({SEED_003}'s example token)",
            observed=_claim_observed(jwt.claims),
        )
    named = [
        f"{claim}={jwt.claims.get(claim)!r}, not {value!r}"
        for claim, value in expected.items()
        if not same(claim, jwt.claims.get(claim), value)
    ]
    if named:
        ctx.fail(
            "login token's claims name another user",
            received="; ".join(named),
            documented="claims userId, userName, email of the user who logged in "
            f"({SEED_003}'s example token)",
        )


@check("user-api", group="login")
def login_token_lives_one_hour(ctx: Context) -> None:
    """The login token's exp is one hour after its iat (two seconds' slack).

    Source: seed 003, login: "Token is only valid for 1 hour."
    """
    body, _ = login_session(ctx)
    absent_in(body, ("token",), "login_answer_names_the_user")
    _lives_one_hour(ctx, body["token"], "login token")


@check("user-api", group="signup")
def signup_without_a_required_field_is_refused(ctx: Context) -> None:
    """A signup without name, email or password, with an unused email, is refused (4xx).

    Source: seed 003 marks name, email and password required=true for signup.
    """
    fresh_session(ctx)  # settles the password strength this server takes, or blocks
    for missing in ("name", "email", "password"):
        user = new_user(ctx)
        body = {k: v for k, v in user.items() if k != missing}
        response = ctx.post(SIGNUP_PATH, body)
        _refused_without_token(ctx, response, f"a signup without {missing} (fresh email)", "400")
        require_accepted(ctx, signup_control(user, f"the same signup with {missing}"))
