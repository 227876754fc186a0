"""FIB: login by signed email, token refresh (rotation), logout, and the JWKS.

Login validates in a fixed order, so each kind of mistake has one answer:
shape (400) -> hex and length (422) -> user lookup (404) -> key match and
signature (422). Tokens come from ``tokens_fib``; revocations live in the store,
so every worker sees them and they survive restarts.

Sessions end whole (project decision, after RFC 9700 section 4.14): presenting an
already-used refresh token ends its session (every token of that login), logout with
any of the session's access tokens ends it, and no refresh outlives the session's
absolute lifetime (the refresh lifetime counted from login).
"""

from __future__ import annotations

import hmac
from json.encoder import encode_basestring_ascii
from typing import Any

from reference_impl.auth import iroha, server_keys
from reference_impl.auth.tokens_fib import (
    REFRESH_LIFETIME,
    FibTokens,
    Session,
    TokenError,
    TokenPair,
    session_of,
)
from reference_impl.http.errors import (
    BadRequest,
    NotFound,
    Unauthorized,
    UnprocessableEntity,
    render_envelope,
)
from reference_impl.http.messages import JSON_MEDIA_TYPE, Response, json_response
from reference_impl.http.request import Request
from reference_impl.http.router import Rule
from reference_impl.systems.services import Services

__all__ = ["OPTIONS", "ROUTES", "jwks", "login", "logout", "refresh", "render_error"]

SESSION_PATH = "/auth/api/v1/authentication-management/session"
LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"
JWKS_PATH = "/.well-known/jwks.json"

# Replaceable components (create_app options) this module reads; see reference_impl.app.
OPTIONS = frozenset({"fib_tokens", "signature_verifier"})

LOGIN_FIELDS = ("email", "signature", "authPublicKeyHex")
LOGIN_OK = "User authorization has been successful."
LOGOUT_OK = "User has been logged out."
BEARER_PREFIX = "bearer "

render_error = render_envelope

# PERF: the login answer written around its three values, in ``json_response``'s exact
# bytes (same keys, order and escaping), instead of encoding the whole envelope per login.
_TOKEN_HEAD = (
    f'{{"status":{{"code":200,"name":"OK","message":{encode_basestring_ascii(LOGIN_OK)}}},'
    '"data":{"accessToken":'
)


def tokens(services: Services) -> FibTokens:
    """The app's FIB token issuer/verifier, keyed by the persisted server key."""
    return services.component("fib_tokens", _build_tokens)


def _build_tokens(services: Services) -> FibTokens:
    return FibTokens.from_seed(server_keys.fib_jwt_seed(services.store), clock=services.clock)


def _default_verifier(services: Services) -> Any:
    return iroha.verify


def login(request: Request, services: Services) -> Response:
    email, signature_hex, key_hex = _login_fields(request.json())
    public_key = iroha.parse_public_key(key_hex)
    if public_key is None:
        raise UnprocessableEntity(
            "authPublicKeyHex must be a 32-byte Ed25519 key as 64 hex digits "
            "(optionally prefixed with ed0120)."
        )
    signature = iroha.parse_hex(signature_hex)
    if signature is None or len(signature) != iroha.SIGNATURE_BYTES:
        raise UnprocessableEntity(
            "signature must be a 64-byte Ed25519 signature as 128 hex digits."
        )
    user = services.store.fib_user(email)
    if user is None:
        raise NotFound("User has not been found.")
    if not hmac.compare_digest(user.public_key, public_key):
        raise UnprocessableEntity("authPublicKeyHex is not the key registered for this user.")
    verify = services.component("signature_verifier", _default_verifier)
    if not verify(email, public_key, signature):
        raise UnprocessableEntity("The signature does not verify for this email and key.")
    issuer = tokens(services)
    pair = issuer.issue(email=user.email, account_id=user.account_id)
    return _token_response(pair, plain=type(issuer) is FibTokens)


def refresh(request: Request, services: Services) -> Response:
    """Exchange a refresh token for a new pair of the same session; the old one is revoked.

    A second use of one refresh token means it leaked (or a client raced itself):
    the whole session is ended, the pair issued from the first use included.
    """
    claims = _verified(request, services, "refresh")
    store = services.store
    session = Session(session_of(claims), claims["exp"])
    # A refresh token from before ``sid`` names its session by its access token (acjti).
    if store.any_revoked({session.id, claims["acjti"]}):
        raise Unauthorized("This session has ended.")
    user = store.fib_user(claims["sub"])
    if user is None:
        raise Unauthorized("The token's user no longer exists.")
    # Refresh tokens are revoked only by being used: a second revoke means reuse.
    if not store.revoke(claims["jti"], claims["exp"], now=services.clock()):
        store.revoke(session.id, session.expires_at, now=services.clock())
        raise Unauthorized("This refresh token has already been used; its session has ended.")
    issuer = tokens(services)
    pair = issuer.issue(email=user.email, account_id=user.account_id, session=session)
    return _token_response(pair, plain=type(issuer) is FibTokens)


def logout(request: Request, services: Services) -> Response:
    """End the access token's session: every token issued since its login is refused."""
    claims = _verified(request, services, "access")
    session_id = session_of(claims)  # an access token from before ``sid``: its own jti
    # NOTE: keep the row as long as any token of the session could still be presented.
    lifetime = getattr(tokens(services), "refresh_lifetime", REFRESH_LIFETIME)
    if not services.store.revoke(session_id, claims["exp"] + lifetime, now=services.clock()):
        raise Unauthorized("This session has already been logged out.")
    body = {"status": {"code": 200, "name": "OK", "message": LOGOUT_OK}, "data": {}}
    return json_response(200, body)


def jwks(request: Request, services: Services) -> Response:
    """The token signing key as a JWK Set, so clients can verify tokens themselves."""
    return json_response(200, tokens(services).jwks(), headers=[("Cache-Control", "max-age=300")])


ROUTES = (
    # Ed25519 and short SQLite statements only: each runs in well under a millisecond.
    Rule("POST", SESSION_PATH, "fib.login", quick=True),
    Rule("PATCH", SESSION_PATH, "fib.refresh", quick=True),
    Rule("POST", LOGOUT_PATH, "fib.logout", quick=True),
    Rule("GET", JWKS_PATH, "fib.jwks", quick=True),
)


def _login_fields(body: Any) -> tuple[str, str, str]:
    if type(body) is dict:  # PERF: the usual body, judged without building lists
        email, signature, key = (
            body.get("email"),
            body.get("signature"),
            body.get("authPublicKeyHex"),
        )
        if type(email) is str and type(signature) is str and type(key) is str:
            return email, signature, key
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    missing = [name for name in LOGIN_FIELDS if name not in body]
    if missing:
        raise BadRequest(f"Missing required field(s): {', '.join(missing)}.")
    wrong = [name for name in LOGIN_FIELDS if not isinstance(body[name], str)]
    if wrong:
        raise BadRequest(f"Field(s) must be strings: {', '.join(wrong)}.")
    return body["email"], body["signature"], body["authPublicKeyHex"]


def _verified(request: Request, services: Services, kind: str) -> dict[str, Any]:
    """The claims of the request's valid token of ``kind``; revocation is the caller's to judge."""
    token = _bearer_token(request)
    try:
        claims = tokens(services).verify(token, kind)  # type: ignore[arg-type]
    except TokenError as exc:
        raise Unauthorized(f"The {kind} token is invalid or expired.") from exc
    return claims


def _bearer_token(request: Request) -> str:
    """The Authorization header's token, with or without a ``Bearer`` prefix."""
    value = (request.header("Authorization") or "").strip()
    if value.lower().startswith(BEARER_PREFIX):
        value = value[len(BEARER_PREFIX) :].strip()
    if not value:
        raise Unauthorized("The Authorization header with a token is required.")
    return value


def _token_response(pair: TokenPair, *, plain: bool = False) -> Response:
    """The login answer; ``plain`` says the tokens are base64url and dots, nothing to escape.

    Only ``FibTokens`` itself (not a subclass, which may write anything) vouches for that:
    its ``_sign`` writes nothing else. PERF: escaping two tokens cost more than writing them.
    """
    access, refresh, expires_in = pair.access_token, pair.refresh_token, pair.expires_in
    if type(access) is str and type(refresh) is str and type(expires_in) is int:
        if plain:
            text = f'{_TOKEN_HEAD}"{access}","refreshToken":"{refresh}",'
        else:
            text = (
                f"{_TOKEN_HEAD}{encode_basestring_ascii(access)},"
                f'"refreshToken":{encode_basestring_ascii(refresh)},'
            )
        body = f'{text}"expirationTime":{expires_in:d}}}}}'.encode("ascii")
        headers = [
            ("Content-Type", JSON_MEDIA_TYPE),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        return Response(200, body, headers)
    return _general_token_response(access, refresh, expires_in)


def _general_token_response(access: Any, refresh: Any, expires_in: Any) -> Response:
    """The same answer through the JSON encoder, for whatever a replaced issuer returns."""
    data = {"accessToken": access, "refreshToken": refresh, "expirationTime": expires_in}
    body = {"status": {"code": 200, "name": "OK", "message": LOGIN_OK}, "data": data}
    return json_response(200, body, headers=[("Cache-Control", "no-store")])
