"""Real-world emails: signed up mixed-case, plus-addressed or space-padded, then logged in with
exactly the string registered; and in another case than registered.

One signup per form, shared by the three checks (kept in ``ctx.cache``, drawn from the run's
seed as shared values, so any of them may run first or alone). What the server does with a
form at signup is its own reading: it may keep the email as sent, lower-case it, trim it, or
refuse a padded one as no address. Once it has registered an email, the same string and
password must log in (seed 003's round trip); an address refused at signup, or a login in
another case refused, are advisories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from conformance.checks.controls import is_2xx, require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api.account import (
    DOCUMENTED_BODY,
    fresh_session,
    login,
    new_user,
    signup_control,
    submit_signup,
)
from conformance.engine.context import Context
from conformance.model import CheckBlocked, CheckNotApplicable, Exchange

_CACHE = "user_api_email_forms"
ACCEPTED_CHECK = "signup_takes_mixed_case_and_plus_addresses"


def _mixed_case(local: str) -> str:
    return f"Mixed.Case-{local}@Example.com"


def _plus(local: str) -> str:
    return f"{local}+authconform@example.com"


def _padded(local: str) -> str:
    return f"  {local}@example.com "


# form -> (how the email is written from the user's unique local part, an address every
# mail system delivers to, so a refusal at signup is worth a warning)
FORMS = {
    "mixed-case": (_mixed_case, True),
    "plus-addressed": (_plus, True),
    "space-padded": (_padded, False),
}


@dataclass
class Signed:
    """One form's signup: the user as sent, and the answer."""

    user: dict[str, str]
    status: int
    body: Any
    exchange: Exchange | None

    @property
    def registered(self) -> bool:
        return is_2xx(self.status)


def signups(ctx: Context) -> dict[str, Signed]:
    """Each form signed up once per run; blocked when a plain signup does not serve."""
    if _CACHE not in ctx.cache:
        session = fresh_session(ctx)  # settles the password strength this server takes
        if session["via"] != "signup":  # signup does not serve: blocked by what stops it
            raise CheckBlocked(session["blocked"].cause, session["blocked"].reason)
        found = {}
        for form, (write, _) in FORMS.items():
            user = new_user(ctx, f"email form {form}", shared=True)
            user["email"] = write(user["email"].partition("@")[0])
            response = submit_signup(ctx, user)
            found[form] = Signed(user, response.status_code, _json(response), ctx.last)
        ctx.cache[_CACHE] = found
    return ctx.cache[_CACHE]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _user_id(body: Any) -> Any:
    return body.get("userId") if isinstance(body, dict) else None


@check("user-api", group="signup", source="seed 003: signup, then login with the same email")
def registered_email_logs_in_as_sent(ctx: Context) -> None:
    """An email registered mixed-case, plus-addressed or space-padded logs in as sent.

    Source: seed 003 (signup and login take the same email and password): credentials
    the server registered log in, whatever it does with the email's case or spaces, as long
    as it does the same at login. A 5xx or a refusal fails; a form refused at signup is
    not judged here (see signup_takes_mixed_case_and_plus_addresses).
    """
    judged = []
    for form, signed in signups(ctx).items():
        if signed.status >= 500:
            ctx.last = signed.exchange
            ctx.fail(
                f"signup with a {form} email was answered {signed.status}",
                received=f"HTTP {signed.status} for email {signed.user['email']!r}",
                documented=f"{DOCUMENTED_BODY}, or a refusal (4xx)",
            )
        if not signed.registered:
            continue
        judged.append(form)
        user = signed.user
        response = login(ctx, user["email"], user["password"])
        if response.status_code != 200:
            ctx.fail(
                f"login with the {form} email exactly as registered was refused",
                received=f"HTTP {response.status_code} for email {user['email']!r}, which "
                f"signup answered {signed.status}",
                documented=f"{DOCUMENTED_BODY}: the email and password signed up with log in",
                hint="normalise the email the same way at signup and at login (lower-case "
                "and trim both, or neither)",
            )
        signed_id, login_id = _user_id(signed.body), _user_id(ctx.json_of(response))
        if signed_id is not None and login_id != signed_id:
            ctx.fail(
                f"login with the {form} email names another account than its signup",
                received=f"signup userId={signed_id!r}, login userId={login_id!r}",
                documented="the account that signed up with this email",
            )
    if not judged:
        raise CheckNotApplicable(
            f"the server registered none of the forms ({', '.join(FORMS)}); "
            f"{ACCEPTED_CHECK} judges the refusals"
        )


@check(
    "user-api",
    group="signup",
    level="advisory",
    source=(
        "RFC 5322 §3.4.1: an address is local-part@domain, and dots and plus signs are "
        "ordinary characters of its local part"
    ),
)
def signup_takes_mixed_case_and_plus_addresses(ctx: Context) -> None:
    """A signup with a mixed-case or a plus-addressed email (valid addresses) is accepted.

    Advisory: seed 003 types the email as a string and states no format; the project's
    reading is "an email address" (spec, x-authconform-advisory), and both are addresses
    (RFC 5322 §3.4.1). A space-padded email may be refused: it is not an address.
    """
    for form, signed in signups(ctx).items():
        if not FORMS[form][1] or signed.registered or signed.status >= 500:
            continue  # a 5xx is registered_email_logs_in_as_sent's (and the server error's)
        ctx.last = signed.exchange
        plain = new_user(ctx, f"plain {form}")
        require_accepted(ctx, signup_control(plain, "the same signup with a plain email"))
        ctx.fail(
            f"signup with a {form} email was refused",
            received=f"HTTP {signed.status} for email {signed.user['email']!r}",
            documented="200: the address is valid (RFC 5322 §3.4.1); seed 003 types the "
            "email as a string",
            hint="validate the address's shape only (one @, a domain); keep its case or "
            "lower-case it at signup and login alike",
        )


@check(
    "user-api",
    group="login",
    level="advisory",
    source=(
        "RFC 5321 §2.4: domains are case-insensitive, and relying on the case of a local "
        "part impedes interoperability and is discouraged"
    ),
)
def login_takes_the_email_in_another_case(ctx: Context) -> None:
    """A login with the registered email in another case logs in to the same account.

    Advisory either way: RFC 5321 §2.4 lets a local part be case-sensitive but calls
    relying on it an impediment to interoperability, and people type emails in any case.
    Passed: the server takes the email without regard to case; warned: it does not.
    """
    signed = signups(ctx)["mixed-case"]
    if not signed.registered:
        raise CheckBlocked(ACCEPTED_CHECK, "the mixed-case email was not registered")
    user = signed.user
    other = user["email"].swapcase()
    response = login(ctx, other, user["password"])
    login_id = _user_id(ctx.json_of(response)) if response.status_code == 200 else None
    if response.status_code != 200:
        ctx.fail(
            "the server treats the email case-sensitively: a login in another case was refused",
            received=f"HTTP {response.status_code} for {other!r}, registered as {user['email']!r}",
            documented="200 naming the same account (RFC 5321 §2.4 discourages relying on "
            "the case of a local part)",
            hint="compare emails without regard to case (store them lower-cased, or use a "
            "case-insensitive collation)",
        )
    if _user_id(signed.body) is not None and login_id != _user_id(signed.body):
        ctx.fail(
            "a login in another case names another account",
            received=f"signup userId={_user_id(signed.body)!r}, login userId={login_id!r}",
            documented="the account registered with this email",
        )
