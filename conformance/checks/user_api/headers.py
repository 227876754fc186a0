"""User API answer headers: token answers are not cached, a 401 names its challenge. The
judging is shared with the other systems (``conformance.checks.answer_headers``).
"""

from __future__ import annotations

from conformance.checks.answer_headers import (
    CHALLENGE_SOURCE,
    NO_STORE_SOURCE,
    require_challenge,
    require_no_store,
)
from conformance.checks.registry import check
from conformance.checks.user_api.account import (
    fresh_session,
    login,
    login_session,
    new_password,
    new_user,
    signup,
)
from conformance.engine.context import Context
from conformance.model import CheckNotApplicable


@check("user-api", group="headers", level="advisory", source=NO_STORE_SOURCE)
def token_answers_are_not_cached(ctx: Context) -> None:
    """The signup and login answers, which carry a token, say Cache-Control: no-store.

    Advisory: RFC 6749 §5.1 practice for answers with tokens (RFC 9111 §5.2.2.5); seed
    003 says nothing of caching.
    """
    signup(ctx, new_user(ctx, "cached"))
    require_no_store(ctx, ctx.last, "signup answer")
    login_session(ctx)
    require_no_store(ctx, ctx.last, "login answer")


@check("user-api", group="headers", level="advisory", source=CHALLENGE_SOURCE)
def unauthorized_answers_name_a_challenge(ctx: Context) -> None:
    """A login refused with 401 carries WWW-Authenticate.

    Advisory: RFC 9110 §15.5.2 says a 401 MUST carry a challenge; seed 003 documents no
    refusal, and a login's credentials travel in its body, not in HTTP authentication.
    """
    user = fresh_session(ctx)["user"]
    response = login(ctx, user["email"], new_password(ctx, "wrong password"))
    if response.status_code != 401:
        raise CheckNotApplicable(
            f"a wrong password got HTTP {response.status_code}, not 401: no 401 to judge"
        )
    require_challenge(ctx, response, "a wrong password")
