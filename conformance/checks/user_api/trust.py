"""User API token trust: the HS256 tokens are not signed with a guessable secret, and no
answer carries password material (a password, its hash or its salt).
"""

from __future__ import annotations

from conformance.checks.registry import check
from conformance.checks.token_trust import judge_answers, judge_token_secrets
from conformance.checks.user_api.account import (
    fresh_session,
    login,
    login_session,
    new_user,
    signup,
)
from conformance.engine.context import Context


@check(
    "user-api",
    group="token-trust",
    source=(
        "RFC 8725 §3.5: human-memorizable passwords MUST NOT be used directly as the key "
        "of a keyed MAC such as HS256"
    ),
)
def token_secret_is_not_a_known_weak_one(ctx: Context) -> None:
    """Issued tokens are not signed with a known weak, placeholder or variable-name secret.

    Tried offline: a few hundred common and placeholder secrets and unexpanded variables.

    Source: RFC 8725 §3.5 (HMAC keys must have enough entropy); seed 003 promises a token
    the server signs, which nobody else can mint if its secret cannot be guessed.
    """
    signed_up = fresh_session(ctx)["body"].get("token")
    body, _ = login_session(ctx)
    tokens = {}
    if isinstance(signed_up, str) and signed_up:
        tokens["the signup token"] = (signed_up, None)
    if isinstance(body.get("token"), str) and body["token"] != signed_up:
        tokens["the login token"] = (body["token"], ctx.last)
    judge_token_secrets(ctx, tokens)


@check(
    "user-api",
    group="token-trust",
    level="advisory",
    source=(
        "ASVS 5.0 V15.3.1: an answer returns only the fields it needs, never the whole data object"
    ),
)
def answers_hold_no_password_material(ctx: Context) -> None:
    """No answer carries a password, a password hash or a salt (fields or token claims).

    Judged: a fresh signup and its login, and every answer of the run kept so far.

    Source: seed 003 documents both answers as {userId, email, userName, token}; a stored
    hash in an answer lets whoever reads it guess the password offline (ASVS 5.0 V15.3.1).
    """
    user = new_user(ctx)
    signup(ctx, user)
    signed_up = ctx.last
    login(ctx, user["email"], user["password"])
    answers = [e for e in (signed_up, ctx.last) if e is not None]
    judge_answers(ctx, [*answers, *ctx.history])
