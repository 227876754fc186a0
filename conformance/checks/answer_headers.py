"""Headers every system's refusals and token answers carry, judged one way for all three.
Registers no check: each system's checks call these on the answers they already have.

- A 401 names a challenge in ``WWW-Authenticate``. RFC 9110 §15.5.2 (with §11.6.1) says
  a server generating a 401 MUST send one. The checks hold it as an advisory: the
  documents themselves answer a wrong email or password sent in a JSON body with 401
  (seed 004, seed 000) without naming any HTTP authentication scheme, so a server can
  follow its documents to the letter and still have no challenge it was told to send;
  conformance here is decided by the documents, and the finding quotes the RFC's MUST.
- An answer carrying tokens says ``Cache-Control: no-store`` (RFC 6749 §5.1 for token
  answers, RFC 9111 §5.2.2.5 for what no-store means): no seed mentions caching, so this
  is practice, an advisory.

One fault each, whatever answer showed it: a server renders its 401s (its token answers)
in one place, so the same header missing from two answers is one fault.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from conformance.engine.context import Context
from conformance.model import Exchange

__all__ = [
    "CHALLENGE_SOURCE",
    "NO_STORE_SOURCE",
    "require_challenge",
    "require_no_store",
]

CHALLENGE_SOURCE = (
    "RFC 9110 §15.5.2: a server generating a 401 MUST send a WWW-Authenticate header field "
    "with at least one challenge"
)
NO_STORE_SOURCE = (
    "ASVS 5.0 V14.3.2: Cache-Control: no-store keeps sensitive data out of caches; RFC 6749 "
    "§5.1: an OAuth 2.0 token answer MUST carry Cache-Control: no-store"
)

MISSING_CHALLENGE = "401 answer: no WWW-Authenticate"
CACHEABLE_TOKENS = "token answer: no Cache-Control: no-store"


def _headers(answer: httpx.Response | Exchange | None) -> Mapping[str, str]:
    if isinstance(answer, httpx.Response):
        return answer.headers  # case-insensitive already
    found = answer.response_headers if answer is not None else {}
    return {name.lower(): value for name, value in found.items()}


def require_challenge(ctx: Context, response: httpx.Response, what: str) -> None:
    """Fail when ``response`` is a 401 without a WWW-Authenticate challenge; any other
    status has nothing to judge here."""
    if response.status_code != 401 or _headers(response).get("www-authenticate", "").strip():
        return
    ctx.fail(
        f"{what}: 401 without WWW-Authenticate",
        received="HTTP 401, no WWW-Authenticate header",
        documented="RFC 9110 §15.5.2: a server generating a 401 MUST send a WWW-Authenticate "
        "header with at least one challenge (§11.6.1); advisory here, as the documents "
        "answer wrong credentials in a body with 401 and name no scheme",
        hint="add a challenge to every 401, such as the scheme of the tokens the API "
        "issues (RFC 6750 §3)",
        observed=MISSING_CHALLENGE,
    )


def require_no_store(ctx: Context, answer: httpx.Response | Exchange | None, what: str) -> None:
    """Fail unless the answer carrying tokens says ``Cache-Control: no-store``."""
    cache_control = _headers(answer).get("cache-control", "")
    directives = {part.strip().lower() for part in cache_control.split(",")}
    if "no-store" in directives:
        return
    ctx.fail(
        f"{what} may be cached",
        received=f"Cache-Control: {cache_control or '(absent)'}",
        documented="Cache-Control: no-store on an answer carrying tokens (RFC 6749 §5.1; "
        "RFC 9111 §5.2.2.5: no cache may store it)",
        hint='send "Cache-Control: no-store" with every answer that carries a token',
        observed=CACHEABLE_TOKENS,
    )
