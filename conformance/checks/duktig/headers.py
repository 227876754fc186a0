"""Duktig answer headers: the token answer is not cached, a 401 names its challenge. The
judging is shared with the other systems (``conformance.checks.answer_headers``).
"""

from __future__ import annotations

from conformance.checks.answer_headers import (
    CHALLENGE_SOURCE,
    NO_STORE_SOURCE,
    require_challenge,
    require_no_store,
)
from conformance.checks.duktig.common import active_user, request_token, sign_in
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.engine.invent import strong_password
from conformance.model import CheckNotApplicable


@check("duktig", group="headers", level="advisory", source=NO_STORE_SOURCE)
@requires_credentials
def token_answers_are_not_cached(ctx: Context) -> None:
    """The sign-in answer, which carries the token pair, says Cache-Control: no-store.

    Advisory: RFC 6749 §5.1 practice for answers with tokens (RFC 9111 §5.2.2.5); seed
    004 says nothing of caching.
    """
    sign_in(ctx)
    require_no_store(ctx, ctx.last, "sign-in answer")


@check("duktig", group="headers", level="advisory", source=CHALLENGE_SOURCE)
@requires_credentials
def unauthorized_answers_name_a_challenge(ctx: Context) -> None:
    """Every 401 (a wrong password; a wrong X-Auth-Key, where it gets 401) carries
    WWW-Authenticate.

    Advisory: RFC 9110 §15.5.2 says a 401 MUST carry a challenge; seed 004 documents the
    401 for wrong credentials sent in the body and names no HTTP authentication scheme.
    """
    user = active_user(ctx)
    wrong = strong_password(ctx.rng("wrong password"))
    judged = 0
    for what, response in (
        ("a wrong password", request_token(ctx, {"email": user["email"], "password": wrong})),
        ("a wrong X-Auth-Key", request_token(ctx, dict(user), key=wrong)),
    ):
        if response.status_code == 401:
            judged += 1
            require_challenge(ctx, response, what)
    if not judged:
        raise CheckNotApplicable("neither a wrong password nor a wrong key got a 401")
