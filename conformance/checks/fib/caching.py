"""FIB token answers and caches: a login answer carrying tokens says Cache-Control: no-store."""

from __future__ import annotations

from conformance.checks.answer_headers import NO_STORE_SOURCE, require_no_store
from conformance.checks.fib.login_common import fib_login
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context


@check("fib", group="login", level="advisory", source=NO_STORE_SOURCE)
@requires_credentials
def token_answers_are_not_cached(ctx: Context) -> None:
    """A login answer carrying tokens says Cache-Control: no-store.

    Advisory: RFC 6749 §5.1 practice for answers with tokens; no FIB page mentions caching.
    """
    login = fib_login(ctx)
    require_no_store(ctx, login["exchange"], "token answer")
