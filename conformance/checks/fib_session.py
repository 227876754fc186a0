"""FIB session lifecycle checks: refresh (PATCH session), logout, and token security.

The public FIB docs define ``PATCH`` on the session path with ``Authorization:
<refreshToken>`` (a new pair back) and ``POST .../logout`` with ``Authorization:
<accessToken>``; both accept the token with or without ``Bearer ``. These checks hold
a target to that, plus what any token-based session must do: a used refresh token is
dead, a logged-out session stays dead, and forged tokens are refused.

Refusals: the lifecycle docs list 400, 401, 404, 422 and 500; a token the server must
not honour may be refused with 400, 401 or 422 (401 is the reference reading). A missing
or unreadable ``Authorization`` header is refused the same way; that it gets exactly 401
with ``WWW-Authenticate`` is HTTP practice, an advisory. A server that answers 404 or 405
on the lifecycle routes does not implement them: every check here then fails with that
plain reason, unless the run turned the lifecycle off (``--no-lifecycle``).

Levels: the lifecycle itself (refresh gives a new pair, logout ends the session, only the
server's own unexpired tokens of the right kind are honoured) is the public FIB
documentation's, a contract. Refresh-token rotation, logout also revoking the refresh
token, accepting both ``Bearer`` and bare tokens, exactly 401, and the published JWKS
key are this project's choices or common practice: advisories.

Options read from ``ctx.options``: ``lifecycle`` (False skips the group), ``jwks_url``
(where the server's Ed25519 key is published; None tries ``/.well-known/jwks.json``),
``expiry_wait`` (seconds the run may wait for an access token to expire; 0 or None skips
that check).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conformance.checks.common import (
    FIB_LOGOUT_PATH,
    FIB_SESSION_PATH,
    JwtParts,
    check_envelope,
    fib_login,
    require_jwt,
)
from conformance.checks.registry import (
    CheckFunc,
    CheckNotApplicable,
    CheckSkipped,
    check,
    requires_credentials,
)
from conformance.engine.context import Context, Exchange

__all__ = [
    "JWKS_WELL_KNOWN_PATH",
    "LIFECYCLE_OFF_REASON",
    "expect_refused",
    "forge_token",
    "login_pair",
    "logout",
    "refresh",
]

JWKS_WELL_KNOWN_PATH = "/.well-known/jwks.json"
LIFECYCLE_OFF_REASON = "lifecycle checks turned off (--no-lifecycle): the target offers only login"

# Statuses the lifecycle docs allow for a token the server must not honour.
REFUSAL_STATUSES = (400, 401, 422)
REFUSAL_DOCUMENTED = (
    "a refusal: 401 (reference reading), or 400/422 (also listed by the public FIB "
    "lifecycle docs: refresh and logout answer 200, 400, 401, 404, 422, 500)"
)
# A route the server does not have answers one of these.
NOT_IMPLEMENTED_STATUSES = (404, 405)
# How far past ``exp`` the expiry check sends the token: covers a server's small leeway.
EXPIRY_MARGIN_SECONDS = 2

_PROBE_KEY = "fib_session_probe"
_KEYS_KEY = "fib_session_server_keys"

Signer = Callable[[bytes], bytes]  # signing input -> raw signature
Forger = Callable[[dict[str, Any], dict[str, Any]], str]  # (header, claims) -> token


# --- requests -------------------------------------------------------------------------


def _authorization(token: str, bearer: bool) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}" if bearer else token}


def refresh(ctx: Context, token: str, *, bearer: bool = False) -> httpx.Response:
    """PATCH the session path with ``token`` as the refresh token."""
    return ctx.request("PATCH", FIB_SESSION_PATH, headers=_authorization(token, bearer))


def logout(ctx: Context, token: str, *, bearer: bool = False) -> httpx.Response:
    """POST logout with ``token`` as the access token."""
    return ctx.request("POST", FIB_LOGOUT_PATH, headers=_authorization(token, bearer))


def login_pair(ctx: Context) -> tuple[str, str]:
    """A fresh (accessToken, refreshToken): lifecycle checks spend tokens, so never cached."""
    data = fib_login(ctx, fresh=True)["body"]["data"]
    return data["accessToken"], data["refreshToken"]


# --- preconditions --------------------------------------------------------------------


def _probe(ctx: Context) -> dict[str, tuple[int, Exchange | None]]:
    """Status of each lifecycle route for an unreadable token, once per run.

    An implemented route refuses the token (401); a missing one answers 404/405.
    """
    if _PROBE_KEY not in ctx.cache:
        found = {}
        for name, send in (("refresh", refresh), ("logout", logout)):
            response = send(ctx, "not-a-token")
            found[name] = (response.status_code, ctx.last)
        ctx.cache[_PROBE_KEY] = found
    return ctx.cache[_PROBE_KEY]


def lifecycle(*operations: str) -> Callable[[CheckFunc], CheckFunc]:
    """Skip when the run turned the lifecycle off; fail plainly if a needed route is missing."""

    def decorate(func: CheckFunc) -> CheckFunc:
        @functools.wraps(func)
        def wrapper(ctx: Context) -> None:
            if not ctx.options.get("lifecycle", True):
                raise CheckSkipped(LIFECYCLE_OFF_REASON)
            probe = _probe(ctx)
            for operation in operations:
                status, exchange = probe[operation]
                if status in NOT_IMPLEMENTED_STATUSES:
                    ctx.last = exchange
                    ctx.fail(
                        f"{operation} not implemented: {status}",
                        received=f"HTTP {status} on the {operation} route",
                        documented=(
                            "PATCH session with Authorization: <refreshToken> (refresh), "
                            "POST .../logout with Authorization: <accessToken> (logout)"
                        ),
                        hint="run with --no-lifecycle if the target offers only the login",
                    )
            func(ctx)

        return wrapper

    return decorate


# --- verdicts -------------------------------------------------------------------------


def _expect_ok(ctx: Context, response: httpx.Response, what: str) -> dict[str, Any]:
    """200 in the FIB envelope, or fail naming ``what`` was refused; returns the body."""
    if response.status_code != 200:
        ctx.fail(
            f"{what} was refused",
            received=f"HTTP {response.status_code}",
            documented="200 with the status envelope",
        )
    body = ctx.json_of(response)
    check_envelope(ctx, body, 200)
    return body


def expect_refused(ctx: Context, response: httpx.Response, what: str, *, hint: str) -> None:
    """A documented refusal status; a 2xx means the server honoured what it must not."""
    status = response.status_code
    if 200 <= status < 300:
        ctx.fail(
            f"{what} was accepted",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
            hint=hint,
        )
    if status >= 500:
        ctx.fail(
            f"{what} caused a server error",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
            hint="a bad token is the client's fault: 4xx",
        )
    if status not in REFUSAL_STATUSES:
        ctx.fail(
            f"{what} was refused with an undocumented status",
            received=f"HTTP {status}",
            documented=REFUSAL_DOCUMENTED,
        )


def _expect_401(ctx: Context, response: httpx.Response, what: str) -> None:
    status = response.status_code
    if status != 401:
        ctx.fail(
            f"{what} got {status}, not 401",
            received=f"HTTP {status}",
            documented="401: the request carries no usable credentials (RFC 9110; the FIB "
            "docs also allow 400 and 422, so this is advisory)",
            hint="a server error here means the header is parsed without guarding"
            if status >= 500
            else None,
        )


def _pair_from(ctx: Context, body: dict[str, Any], what: str) -> tuple[JwtParts, JwtParts]:
    """The decoded (access, refresh) tokens of a 200 body, or fail."""
    data = body.get("data")
    tokens = data if isinstance(data, dict) else {}
    if not all(
        isinstance(tokens.get(k), str) and tokens[k] for k in ("accessToken", "refreshToken")
    ):
        ctx.fail(
            f"{what} lacks the tokens",
            received=repr(body)[:300],
            documented='data: {"accessToken": str, "refreshToken": str, "expirationTime": int}',
        )
    access = require_jwt(ctx, tokens["accessToken"], f"{what}: accessToken")
    refreshed = require_jwt(ctx, tokens["refreshToken"], f"{what}: refreshToken")
    return access, refreshed


# --- forging --------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def forge_token(header: dict[str, Any], claims: dict[str, Any], sign: Signer) -> str:
    """A compact JWT whose signature is ``sign(signing_input)`` (bytes), for forgeries."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    return f"{signing_input}.{_b64url(sign(signing_input.encode('ascii')))}"


def _claims_of(ctx: Context, token: str, what: str) -> dict[str, Any]:
    return dict(require_jwt(ctx, token, what).claims)


def _header_of(ctx: Context, token: str, what: str) -> dict[str, Any]:
    return dict(require_jwt(ctx, token, what).header)


def _server_keys(ctx: Context) -> list[bytes]:
    """The server's published Ed25519 public keys (raw), or skip saying why there are none."""
    if _KEYS_KEY not in ctx.cache:
        try:
            ctx.cache[_KEYS_KEY] = _fetch_server_keys(ctx)
        except CheckSkipped as skipped:
            ctx.cache[_KEYS_KEY] = skipped
    found = ctx.cache[_KEYS_KEY]
    if isinstance(found, CheckSkipped):
        raise type(found)(found.reason)
    return found


def _fetch_server_keys(ctx: Context) -> list[bytes]:
    given = ctx.options.get("jwks_url")
    url = given or ctx.base_url.rstrip("/") + JWKS_WELL_KNOWN_PATH
    where = f"--jwks-url {url}" if given else f"{url} (no --jwks-url given, so the default)"
    try:
        response = ctx.client.get(url)
    except httpx.HTTPError as exc:
        raise CheckSkipped(f"server key unknown: {where} unreachable ({exc})") from exc
    ctx.last = Exchange.from_response(response)
    if response.status_code == 404 and not given:
        # The JWKS is this project's addition: a server that does not offer it is not wrong.
        raise CheckNotApplicable(
            f"server key unknown: {where} answered 404; publishing the key is a project "
            "addition no FIB document asks for (give --jwks-url if it lives elsewhere)"
        )
    if response.status_code != 200:
        raise CheckSkipped(f"server key unknown: {where} answered {response.status_code}")
    try:
        keys = response.json().get("keys", [])
    except (ValueError, AttributeError) as exc:
        raise CheckSkipped(f"server key unknown: {where} is not a JWK set") from exc
    found = []
    for key in keys if isinstance(keys, list) else []:
        if not isinstance(key, dict) or key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
            continue
        x = key.get("x")
        try:
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        except (TypeError, ValueError):
            continue
        if len(raw) == 32:
            found.append(raw)
    if not found:
        raise CheckSkipped(f"server key unknown: {where} holds no Ed25519 (OKP) key")
    return found


def _hmac_secrets(raw: bytes) -> dict[str, bytes]:
    """Forms of an Ed25519 public key a confused verifier might use as an HMAC secret."""
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "raw key bytes": raw,
        "PEM": pem,
        "PEM without final newline": pem.rstrip(b"\n"),
        "hex": raw.hex().encode("ascii"),
        "JWK x": _b64url(raw).encode("ascii"),
    }


def _hs256(secret: bytes) -> Signer:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


# --- checks: the lifecycle ------------------------------------------------------------


@check("fib", group="lifecycle")
@lifecycle("refresh")
@requires_credentials
def refresh_returns_new_token_pair(ctx: Context) -> None:
    """PATCH with a refresh token returns a new pair whose refresh token works in turn.

    Source: the public FIB docs (refresh: PATCH the session with Authorization:
    <refreshToken>, the answer is the login's 200 body with a new pair).
    """
    access, refresh_token = login_pair(ctx)
    body = _expect_ok(ctx, refresh(ctx, refresh_token), "refresh with a fresh refresh token")
    new_access, new_refresh = _pair_from(ctx, body, "refresh response")
    data = body["data"]
    if data["accessToken"] == access or data["refreshToken"] == refresh_token:
        ctx.fail(
            "refresh returned the same token(s) again",
            received="accessToken unchanged"
            if data["accessToken"] == access
            else "refreshToken unchanged",
            documented="a new token pair",
        )
    expiration = data.get("expirationTime")
    if not isinstance(expiration, int) or isinstance(expiration, bool):
        ctx.fail(
            "refresh response lacks expirationTime",
            received=repr(expiration),
            documented="expirationTime: integer (same 200 body as the login)",
        )
    old_sub = _claims_of(ctx, access, "login accessToken").get("sub")
    if new_access.claims.get("sub") != old_sub:
        ctx.fail(
            "refreshed access token names another subject",
            received=repr(new_access.claims.get("sub")),
            documented=f"sub {old_sub!r}",
        )
    if new_access.claims.get("jti") is not None and (
        new_refresh.claims.get("acjti") not in (None, new_access.claims.get("jti"))
    ):
        ctx.fail(
            "new refresh token belongs to another access token",
            received=f"acjti {new_refresh.claims.get('acjti')!r}",
            documented=f"acjti = the new access token's jti {new_access.claims['jti']!r}",
        )
    _expect_ok(ctx, refresh(ctx, data["refreshToken"]), "refresh with the new refresh token")


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh")
@requires_credentials
def used_refresh_token_is_rejected(ctx: Context) -> None:
    """A refresh token that has been used once is refused the second time (rotation).

    Advisory: rotation is security practice (OAuth 2.0 Security BCP) and the reference's
    choice; the FIB docs do not say whether a refresh token may be used twice.
    """
    _, refresh_token = login_pair(ctx)
    _expect_ok(ctx, refresh(ctx, refresh_token), "first use of a refresh token")
    expect_refused(
        ctx,
        refresh(ctx, refresh_token),
        "a used refresh token",
        hint="rotate: revoke the refresh token when it is exchanged for a new pair",
    )


@check("fib", group="lifecycle")
@lifecycle("refresh")
@requires_credentials
def access_token_is_not_a_refresh_token(ctx: Context) -> None:
    """PATCH with an access token in place of the refresh token is refused.

    Source: the public FIB docs name the refresh token as what refresh takes.
    """
    access, _ = login_pair(ctx)
    expect_refused(
        ctx,
        refresh(ctx, access),
        "an access token offered for refresh",
        hint="tell the kinds apart (refresh tokens carry acjti) before honouring one",
    )


@check("fib", group="lifecycle")
@lifecycle("logout")
@requires_credentials
def refresh_token_is_not_an_access_token(ctx: Context) -> None:
    """Logout with a refresh token in place of the access token is refused.

    Source: the public FIB docs name the access token as what logout takes.
    """
    _, refresh_token = login_pair(ctx)
    expect_refused(
        ctx,
        logout(ctx, refresh_token),
        "a refresh token offered for logout",
        hint="tell the kinds apart (access tokens carry acc/role) before honouring one",
    )


@check("fib", group="lifecycle")
@lifecycle("logout")
@requires_credentials
def logout_succeeds(ctx: Context) -> None:
    """Logout with a fresh access token answers 200 with the envelope and a data object.

    Source: the public FIB docs (logout answers {"status": {...}, "data": {}}).
    """
    access, _ = login_pair(ctx)
    body = _expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    if not isinstance(body.get("data"), dict):
        ctx.fail(
            "logout body's data is not an object",
            received=repr(body.get("data"))[:200],
            documented='{"status": {...}, "data": {}}',
        )


@check("fib", group="lifecycle")
@lifecycle("logout")
@requires_credentials
def access_token_rejected_after_logout(ctx: Context) -> None:
    """An access token is refused once its session has been logged out.

    Source: the public FIB docs' logout, which ends the session the token belongs to.
    """
    access, _ = login_pair(ctx)
    _expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    expect_refused(
        ctx,
        logout(ctx, access),
        "a logged-out access token",
        hint="logout must revoke the access token, not only answer 200",
    )


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh", "logout")
@requires_credentials
def refresh_token_rejected_after_logout(ctx: Context) -> None:
    """After logout the session's refresh token can no longer mint new tokens.

    Advisory: the FIB docs say logout takes the access token; that it also revokes the
    refresh token issued with it is security practice and the reference's reading.
    """
    access, refresh_token = login_pair(ctx)
    _expect_ok(ctx, logout(ctx, access), "logout with a fresh access token")
    expect_refused(
        ctx,
        refresh(ctx, refresh_token),
        "the refresh token of a logged-out session",
        hint="logout must revoke the refresh token(s) issued with the access token",
    )


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh", "logout")
@requires_credentials
def bearer_prefix_is_optional(ctx: Context) -> None:
    """Both routes take the token with and without a ``Bearer `` prefix.

    Advisory: seed 001 calls the access token "a bearer token" while the lifecycle pages
    send it bare; a server that takes one of the two forms follows one reading.
    """
    _, refresh_token = login_pair(ctx)
    body = _expect_ok(
        ctx,
        refresh(ctx, refresh_token, bearer=True),
        "refresh with 'Authorization: Bearer <refreshToken>'",
    )
    _pair_from(ctx, body, "refresh response")
    body = _expect_ok(
        ctx,
        refresh(ctx, body["data"]["refreshToken"]),
        "refresh with 'Authorization: <refreshToken>'",
    )
    _pair_from(ctx, body, "refresh response")
    _expect_ok(
        ctx,
        logout(ctx, body["data"]["accessToken"], bearer=True),
        "logout with 'Authorization: Bearer <accessToken>'",
    )


# --- advisory checks: whole sessions --------------------------------------------------
# The FIB documents say nothing of token families; these follow the OAuth 2.0 security
# best current practice (RFC 9700 section 4.14.2) and the project's own decision
# (docs/apis/fib/session.md). A server that misses them gets a warning, not a failure.


def _refreshed(ctx: Context) -> tuple[tuple[str, str], tuple[str, str]]:
    """Log in, refresh once: the first pair and the pair the refresh returned."""
    first = login_pair(ctx)
    body = _expect_ok(ctx, refresh(ctx, first[1]), "refresh with a fresh refresh token")
    _pair_from(ctx, body, "refresh response")
    return first, (body["data"]["accessToken"], body["data"]["refreshToken"])


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh")
@requires_credentials
def reused_refresh_token_revokes_family(ctx: Context) -> None:
    """Presenting a used refresh token again ends its session: the pair it bought dies too."""
    (_, used), (_, bought) = _refreshed(ctx)
    refresh(ctx, used)  # the reuse; whether it is refused is used_refresh_token_is_rejected's
    expect_refused(
        ctx,
        refresh(ctx, bought),
        "the refresh token issued from a refresh token that was later reused",
        hint="on reuse of a refresh token revoke every token issued since its login",
    )


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh", "logout")
@requires_credentials
def logout_ends_refreshed_session(ctx: Context) -> None:
    """Logout with the login's access token also ends the pairs refreshes issued since."""
    (first_access, _), (_, later_refresh) = _refreshed(ctx)
    logout(ctx, first_access)
    expect_refused(
        ctx,
        refresh(ctx, later_refresh),
        "a refreshed session's refresh token after logout with the login's access token",
        hint="logout ends the session (the token family), whatever generation of token it gets",
    )


# --- checks: the Authorization header -------------------------------------------------

# Values an HTTP client can send (no trailing blanks: those are not legal header values).
_GARBAGE_HEADERS = (
    "garbage",
    "Bearer",
    "Bearer a.b.c",
    "Basic dXNlcjpwYXNzd29yZA==",
    "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln",
    "...",
    "x" * 4096,
)


def _refused(ctx: Context, response: httpx.Response, what: str) -> None:
    """A documented refusal (400, 401 or 422), never a 2xx or a 5xx."""
    expect_refused(
        ctx,
        response,
        what,
        hint="a request without usable credentials is the client's fault: 401",
    )


def _unusable_authorizations(ctx: Context) -> Iterator[tuple[str, httpx.Response]]:
    """(what, answer) for refresh and logout without a header, then with each garbage value."""
    yield "refresh without Authorization", ctx.request("PATCH", FIB_SESSION_PATH)
    yield "logout without Authorization", ctx.request("POST", FIB_LOGOUT_PATH)
    for value in _GARBAGE_HEADERS:
        shown = value if len(value) <= 40 else f"{value[:20]}… ({len(value)} characters)"
        headers = {"Authorization": value}
        yield (
            f"refresh with Authorization {shown!r}",
            ctx.request("PATCH", FIB_SESSION_PATH, headers=headers),
        )
        yield (
            f"logout with Authorization {shown!r}",
            ctx.request("POST", FIB_LOGOUT_PATH, headers=headers),
        )


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
def missing_authorization_is_refused(ctx: Context) -> None:
    """Refresh and logout without an Authorization header are refused (400/401/422), never 5xx.

    Source: the public FIB docs (both routes take a token in Authorization; 400, 401 and
    422 are among their documented answers).
    """
    _refused(ctx, ctx.request("PATCH", FIB_SESSION_PATH), "refresh without Authorization")
    _refused(ctx, ctx.request("POST", FIB_LOGOUT_PATH), "logout without Authorization")


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
def garbage_authorization_is_refused(ctx: Context) -> None:
    """Refresh and logout with an unreadable Authorization header are refused, never 5xx.

    Source: the public FIB docs, as for a missing header.
    """
    for what, response in _unusable_authorizations(ctx):
        if what.endswith("without Authorization"):
            continue
        _refused(ctx, response, what)


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh", "logout")
def unusable_authorization_gets_401(ctx: Context) -> None:
    """A missing or unreadable Authorization header gets exactly 401 with WWW-Authenticate.

    Advisory: RFC 9110 (401 carries a WWW-Authenticate challenge); the FIB docs also
    allow 400 and 422 for these requests.
    """
    for what, response in _unusable_authorizations(ctx):
        _expect_401(ctx, response, what)
        if not response.headers.get("www-authenticate"):
            ctx.fail(
                f"{what}: 401 without WWW-Authenticate",
                received="no WWW-Authenticate header",
                documented="RFC 9110 §15.5.2: a 401 answer sends a WWW-Authenticate challenge",
                hint='add "WWW-Authenticate: Bearer"',
            )


# --- checks: forged tokens ------------------------------------------------------------


def _refuse_forgeries(
    ctx: Context, pair: tuple[str, str], make: Forger, what: str, hint: str
) -> None:
    """Send ``make(header, claims)`` built from a genuine pair to both routes; both must refuse."""
    access, refresh_token = pair
    forged_refresh = make(
        _header_of(ctx, refresh_token, "refreshToken"),
        _claims_of(ctx, refresh_token, "refreshToken"),
    )
    expect_refused(ctx, refresh(ctx, forged_refresh), f"refresh token {what}", hint=hint)
    forged_access = make(
        _header_of(ctx, access, "accessToken"), _claims_of(ctx, access, "accessToken")
    )
    expect_refused(ctx, logout(ctx, forged_access), f"access token {what}", hint=hint)


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
@requires_credentials
def unsigned_token_is_rejected(ctx: Context) -> None:
    """A token re-issued with ``alg: none`` and no signature is refused on both routes.

    Source: seeds 000-002 (the tokens are EdDSA JWTs the server signs) and the FIB docs'
    refresh/logout, which take the server's own tokens.
    """

    def make(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return forge_token({**header, "alg": "none"}, claims, lambda _data: b"")

    _refuse_forgeries(
        ctx,
        login_pair(ctx),
        make,
        "with alg 'none' and no signature",
        hint="pin the verification algorithm to EdDSA; never read it from the token",
    )


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
@requires_credentials
def tampered_payload_is_rejected(ctx: Context) -> None:
    """A genuine token whose payload was altered (exp pushed back) but signature kept is refused."""
    access, refresh_token = login_pair(ctx)
    for token, what, send in (
        (refresh_token, "refresh token", refresh),
        (access, "access token", logout),
    ):
        head, _, signature = token.split(".")
        claims = _claims_of(ctx, token, what)
        if isinstance(claims.get("exp"), int):
            claims["exp"] += 3600
        else:
            claims["exp"] = int(time.time()) + 3600
        tampered = f"{head}.{_segment(claims)}.{signature}"
        expect_refused(
            ctx,
            send(ctx, tampered),
            f"{what} with a tampered payload",
            hint="verify the signature over header and payload before reading claims",
        )


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
@requires_credentials
def token_signed_by_another_key_is_rejected(ctx: Context) -> None:
    """A token with genuine claims, EdDSA-signed by a key that is not the server's, is refused."""
    stranger = nacl.signing.SigningKey.generate()

    def make(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return forge_token(
            {**header, "alg": "EdDSA"}, claims, lambda data: stranger.sign(data).signature
        )

    _refuse_forgeries(
        ctx,
        login_pair(ctx),
        make,
        "signed by a stranger's Ed25519 key",
        hint="verify with the server's own public key",
    )


@check("fib", group="lifecycle")
@lifecycle("refresh", "logout")
@requires_credentials
def hs256_token_keyed_with_public_key_is_rejected(ctx: Context) -> None:
    """An HS256 token whose HMAC key is the server's published public key is refused.

    Source: as for unsigned tokens. Not applicable when the target publishes no key.
    """
    keys = _server_keys(ctx)
    pair = login_pair(ctx)  # forgeries are refused whatever they carry: one pair serves all
    for raw in keys:
        for form, secret in _hmac_secrets(raw).items():

            def make(header: dict[str, Any], claims: dict[str, Any], secret=secret) -> str:
                return forge_token({**header, "alg": "HS256"}, claims, _hs256(secret))

            _refuse_forgeries(
                ctx,
                pair,
                make,
                f"HS256-signed with the public key ({form})",
                hint="pin the algorithm to EdDSA; the public key is no HMAC secret",
            )


@check("fib", group="lifecycle", level="advisory")
@lifecycle("refresh")
@requires_credentials
def issued_tokens_verify_with_published_key(ctx: Context) -> None:
    """Tokens from login and refresh carry alg EdDSA and verify under the published key.

    Advisory: the JWKS endpoint is this project's addition; not applicable without it.
    """
    keys = [Ed25519PublicKey.from_public_bytes(raw) for raw in _server_keys(ctx)]
    login_tokens = login_pair(ctx)
    body = _expect_ok(ctx, refresh(ctx, login_tokens[1]), "refresh with a fresh refresh token")
    _pair_from(ctx, body, "refresh response")
    issued = {
        "login accessToken": login_tokens[0],
        "login refreshToken": login_tokens[1],
        "refresh accessToken": body["data"]["accessToken"],
        "refresh refreshToken": body["data"]["refreshToken"],
    }
    for what, token in issued.items():
        alg = _header_of(ctx, token, what).get("alg")
        if alg != "EdDSA":
            ctx.fail(
                f"{what} is not signed with EdDSA",
                received=f"alg {alg!r}",
                documented='header {"typ": "JWT", "alg": "EdDSA"}',
            )
        if not any(_verifies(token, key) for key in keys):
            ctx.fail(
                f"{what} does not verify under the published key",
                received=f"{token[:60]}…",
                documented="an EdDSA signature by the key at the JWKS URL",
                hint="publish the key that signs the tokens (or pass the right --jwks-url)",
            )


def _verifies(token: str, key: Ed25519PublicKey) -> bool:
    try:
        jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_exp": False})
    except jwt.PyJWTError:
        return False
    return True


@check("fib", group="lifecycle")
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
    budget = ctx.options.get("expiry_wait") or 0
    if budget <= 0:
        raise CheckSkipped(
            "no expiry wait set (--expiry-wait SECONDS): an expired token signed "
            "by the server can only be had by waiting out its lifetime"
        )
    access, _ = login_pair(ctx)
    exp = _claims_of(ctx, access, "accessToken").get("exp")
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
