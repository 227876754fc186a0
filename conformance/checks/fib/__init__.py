"""FIB checks (seeds 000-002 and the public lifecycle docs), one module per claim family.

The profile imports the check modules in this order, which is the order of the reports:
the login at POST .../session (``login``, ``login_refusals``, ``login_input``,
``login_injection``, ``caching``, ``discovery``), then refresh, logout and token security
(``session``, ``race``, ``headers``, ``forgery``, ``jwks``, ``expiry``, ``trust``), then
``semantics`` (RFC 9110 rules any HTTP server must follow, on these routes).
``login_common``, ``session_common``, ``forging``, ``keys`` and ``key_server`` hold shared
helpers and register nothing; no check module imports another, so the profile's list alone
decides the order.

Login readings: where the three renderings of the page disagree, every reading is
accepted and named: a well-formed but wrong signature may get 401 (seed 000) or 422
(seeds 000/002); malformed input may get 400 (seed 002), 401 ("failed to be decoded",
seed 000) or 422 (seeds 000/002); ``status.message`` is optional (absent in seed 002);
``expirationTime`` may be a lifetime in seconds (every example) or a Unix time (seed
001's table).

Lifecycle: the public FIB docs define ``PATCH`` on the session path with
``Authorization: <refreshToken>`` (a new pair back) and ``POST .../logout`` with
``Authorization: <accessToken>``; both accept the token with or without ``Bearer ``.
The checks hold a target to that, plus what any token-based session must do: a used
refresh token is dead, a logged-out session stays dead, and forged tokens are refused.
The lifecycle docs list 400, 401, 404, 422 and 500; a token the server must not honour
may be refused with 400, 401 or 422 (401 is the reference reading). A missing or
unreadable ``Authorization`` header is refused the same way; that it gets exactly 401
with ``WWW-Authenticate`` is HTTP practice, an advisory. A server that answers 404 or
405 on the lifecycle routes does not implement them: every lifecycle check then fails
with that plain reason, unless the run turned the lifecycle off (``--no-lifecycle``).

Levels: what the three login renderings say (the body, the tokens, the refusal codes)
and the lifecycle itself (refresh gives a new pair, logout ends the session, only the
server's own unexpired tokens of the right kind are honoured) are contracts. A size
limit (413), JSON-only content types (415), Cache-Control on token answers,
refresh-token rotation, logout also revoking the refresh token, accepting both
``Bearer`` and bare tokens, exactly 401, and the published JWKS key are this project's
conventions or common practice: advisories.

Settings read from ``ctx.settings``: ``lifecycle`` (False skips the lifecycle group),
``jwks_url`` (where the server's Ed25519 key is published; None tries
``/.well-known/jwks.json``), ``expiry_wait`` (seconds the run may wait for an access
token to expire; 0 skips that check).
"""
