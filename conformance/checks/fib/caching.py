"""FIB token answers and caches: a login answer carrying tokens says Cache-Control: no-store."""

from __future__ import annotations

from conformance.checks.fib.login_common import fib_login
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check(
    "fib",
    group="login",
    level="advisory",
    source=(
        "ASVS 5.0 V14.3.2: Cache-Control: no-store keeps sensitive data out of caches; RFC 6749 "
        "§5.1: an OAuth 2.0 token answer MUST carry Cache-Control: no-store"
    ),
)
@requires_credentials
def token_answers_are_not_cached(ctx: Context) -> None:
    """A login answer carrying tokens says Cache-Control: no-store.

    Advisory: RFC 6749 §5.1 practice for answers with tokens; no FIB page mentions caching.
    """
    login = fib_login(ctx)
    exchange = login["exchange"]
    headers = {k.lower(): v for k, v in (exchange.response_headers if exchange else {}).items()}
    cache_control = headers.get("cache-control", "")
    if "no-store" not in cache_control.lower():
        ctx.fail(
            "token answer may be cached",
            received=f"Cache-Control: {cache_control or '(absent)'}",
            documented="Cache-Control: no-store (RFC 6749 §5.1, for answers carrying tokens)",
        )
