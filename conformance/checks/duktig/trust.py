"""Duktig token trust: the HS256 token pair is not signed with a guessable secret, and no
answer carries password material (a password, its hash or its salt).
"""

from __future__ import annotations

from conformance.checks.duktig.common import sign_in
from conformance.checks.registry import check
from conformance.checks.token_trust import judge_answers, judge_token_secrets
from conformance.engine.context import Context


@check(
    "duktig",
    group="token-trust",
    source=(
        "RFC 8725 §3.5: human-memorizable passwords MUST NOT be used directly as the key "
        "of a keyed MAC such as HS256"
    ),
)
def token_secret_is_not_a_known_weak_one(ctx: Context) -> None:
    """Issued tokens are not signed with a known weak, placeholder or variable-name secret.

    Tried offline on the access and refresh tokens: a few hundred common and placeholder
    secrets and unexpanded variables.

    Source: RFC 8725 §3.5 (HMAC keys must have enough entropy); seed 004's tokens are
    HS256 JWTs the server signs, which nobody else can mint if its secret cannot be guessed.
    """
    body = sign_in(ctx)
    tokens = {
        f"the {name.replace('_', ' ')}": (body[name], ctx.last)
        for name in ("access_token", "refresh_token")
        if isinstance(body.get(name), str) and body[name]
    }
    judge_token_secrets(ctx, tokens)


@check(
    "duktig",
    group="token-trust",
    level="advisory",
    source=(
        "ASVS 5.0 V15.3.1: an answer returns only the fields it needs, never the whole data object"
    ),
)
def answers_hold_no_password_material(ctx: Context) -> None:
    """No answer carries a password, a password hash or a salt (fields or token claims).

    Judged: a fresh sign-in, and every answer of the run kept so far.

    Source: seed 004 documents the sign-in answer's fields, none of them password
    material; a stored hash in an answer lets whoever reads it guess the password offline
    (ASVS 5.0 V15.3.1).
    """
    sign_in(ctx, fresh=True)
    judge_answers(ctx, [ctx.last, *ctx.history] if ctx.last else ctx.history)
