"""FIB token expiry: an access token sent past its exp is refused (the check waits for a real
token to expire, so it is off unless --expiry-wait allows the wait).
"""

from __future__ import annotations

import time

from conformance.checks.fib.session_common import (
    claims_of,
    expect_refused,
    lifecycle,
    login_pair,
    logout,
)
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.model import CheckSkipped

# How far past ``exp`` the expiry check sends the token: covers a server's small leeway.
EXPIRY_MARGIN_SECONDS = 2


@check(
    "fib",
    group="lifecycle",
    source=(
        "seeds 000-002: the tokens carry exp; RFC 7519 §4.1.4: a JWT MUST NOT be accepted for "
        "processing on or after its exp"
    ),
)
@lifecycle("logout")
@requires_credentials
def expired_access_token_is_rejected(ctx: Context) -> None:
    """An access token sent past its exp is refused (waits out its lifetime; off by default).

    Source: the tokens' exp claim (seeds 000-002), which RFC 7519 §4.1.4 says must not
    be accepted after it passes.

    A token past its exp cannot be forged without the server's key, and one signed by
    another key proves only signature checking, so the check waits for a real token to
    expire, at most ``expiry_wait`` seconds.
    """
    budget = ctx.settings.expiry_wait
    if budget <= 0:
        raise CheckSkipped(
            "no expiry wait set (--expiry-wait SECONDS): an expired token signed "
            "by the server can only be had by waiting out its lifetime"
        )
    access, _ = login_pair(ctx)
    exp = claims_of(ctx, access, "accessToken").get("exp")
    if not isinstance(exp, int | float):
        ctx.fail(
            "access token has no numeric exp", received=repr(exp), documented="exp: NumericDate"
        )
    wait = exp + EXPIRY_MARGIN_SECONDS - time.time()
    if wait > budget:
        raise CheckSkipped(
            f"the access token expires in {wait - EXPIRY_MARGIN_SECONDS:.0f} s, "
            f"past the expiry wait of {budget:g} s"
        )
    time.sleep(max(wait, 0))
    expect_refused(
        ctx,
        logout(ctx, access),
        "an access token past its exp",
        hint="check exp on every token, with at most a small leeway",
    )
