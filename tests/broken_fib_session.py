"""Deliberately broken FIB session lifecycles, each with one known fault, to prove the checks.

Most variants replace the ``fib_tokens`` component (``create_app`` option) with a
``FibTokens`` whose verification has one fault; the rest are WSGI middleware. ``BROKEN``
maps a variant to its ``running_server`` keyword arguments and to exactly the lifecycle
checks it must fail; ``BROKEN_ADVISORY`` likewise for the advisory checks it must warn on.

Run as a script, this module serves the reference app with revocations kept in process
memory (correct until the process restarts) under Granian, with the same flags as
``python -m reference_impl``; ``tests/test_lifecycle_restart.py`` restarts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from wsgi_rewrite import WSGIApp, respond

from reference_impl.app import App, create_app
from reference_impl.auth.tokens_fib import FibTokens, Kind, Session, TokenError, TokenPair
from reference_impl.store import Store

SESSION_PATH = "/auth/api/v1/authentication-management/session"
LOGOUT_PATH = "/auth/api/v1/authentication-management/logout"


def _tokens(cls: type[FibTokens] = FibTokens, **kw: Any) -> FibTokens:
    return cls.from_seed(os.urandom(32), **kw)


def _unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


class ForgetsUsedRefreshTokens(FibTokens):
    """Every use of a refresh token is recorded under a fresh id, so none is ever 'used'."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        claims = super().verify(token, kind)
        if kind == "refresh":
            claims = {**claims, "jti": str(uuid.uuid4())}
        return claims


class LogoutRevokesNothing(FibTokens):
    """Logout revokes ids no token carries: it answers 200 and changes nothing."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        claims = super().verify(token, kind)
        if kind == "access":
            claims = {**claims, "jti": str(uuid.uuid4()), "sid": str(uuid.uuid4())}
        return claims


class RefreshStartsNewSession(FibTokens):
    """Every refresh opens a new session: reuse or logout ends the old one, not the new."""

    def issue(self, *, email: str, account_id: str, session: Session | None = None) -> TokenPair:
        return super().issue(email=email, account_id=account_id)


class LogoutEndsOnlyItsToken(FibTokens):
    """Logout ends the access token and its own refresh token, not pairs refreshed since."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        claims = super().verify(token, kind)
        if kind == "access":
            claims = {**claims, "sid": claims["jti"]}
        return claims


class AcceptsAlgNone(FibTokens):
    """Trusts the token's own ``alg``: an unsigned token is read without verification."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if header.get("alg") == "none":
            return _unverified(token)
        return super().verify(token, kind)


class AccessWorksAsRefresh(FibTokens):
    """Refresh falls back to reading the token as an access token (the kinds are mixed up)."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        try:
            return super().verify(token, kind)
        except TokenError:
            if kind != "refresh":
                raise
            claims = super().verify(token, "access")
            return {**claims, "acjti": claims["jti"]}


class RefreshWorksAsAccess(FibTokens):
    """Logout accepts any valid token of either kind."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        try:
            return super().verify(token, kind)
        except TokenError:
            if kind != "access":
                raise
            return super().verify(token, "refresh")


class SignatureNotChecked(FibTokens):
    """Checks alg, kind and expiry, but reads the claims without verifying the signature."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        try:
            if jwt.get_unverified_header(token).get("alg") != "EdDSA":
                raise TokenError("unexpected alg")
            claims = _unverified(token)
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        # Re-sign the claims with the server key, then verify: everything but the signature.
        return super().verify(self._encode(claims), kind)


class AlgConfusion(FibTokens):
    """Lets the header pick HS256 and then uses the public key's PEM as the HMAC secret."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        if header.get("alg") != "HS256":
            return super().verify(token, kind)
        pem = self._public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        signing_input, _, signature = token.rpartition(".")
        expected = hmac.new(pem, signing_input.encode("ascii"), hashlib.sha256).digest()
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not hmac.compare_digest(expected, given):
            raise TokenError("bad HMAC")
        return _unverified(token)


class PublishesAnotherKey(FibTokens):
    """Signs with its own key but publishes a different one at the JWKS path."""

    def jwks(self) -> dict[str, Any]:
        return _tokens().jwks()


class CrashesOnGarbage(FibTokens):
    """Peeks at the payload before verifying, so a token without dots raises IndexError (500)."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        token.split(".")[1]  # the unguarded peek
        return super().verify(token, kind)


class NeverExpires(FibTokens):
    """Issues short-lived tokens but verifies them against a clock stuck at issue time."""

    def verify(self, token: str, kind: Kind) -> dict[str, Any]:
        claims = _unverified(token)
        frozen = FibTokens(self._private_key, clock=lambda: claims.get("exp", 1) - 1)
        return frozen.verify(token, kind)


def refuse_bearer_prefix(app: WSGIApp) -> WSGIApp:
    """Answers 401 to any ``Authorization: Bearer ...``, though the docs allow the prefix."""

    def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            challenge = [("WWW-Authenticate", "Bearer")]
            return _envelope(start_response, 401, "Bearer tokens not supported.", challenge)
        return app(environ, start_response)

    return middleware


def without_lifecycle_routes(app: WSGIApp) -> WSGIApp:
    """A login-only server: PATCH session is 405 (Allow: POST), logout is an unknown path."""

    def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path == SESSION_PATH and method == "PATCH":
            headers = [("Allow", "POST")]
            return _envelope(start_response, 405, "Use POST.", headers)
        if path == LOGOUT_PATH:
            answer = _envelope(start_response, 404, "No such path.")
            return [] if method == "HEAD" else answer  # RFC 9110 §9.3.2: no content
        return app(environ, start_response)

    return middleware


def _envelope(
    start_response: Callable, code: int, message: str, headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    """The FIB error envelope, answered directly without reaching the app."""
    status = {"code": code, "name": HTTPStatus(code).phrase, "message": message}
    return respond(start_response, code, {"status": status, "data": None}, headers)


# variant -> (running_server keyword arguments, the lifecycle checks it must break: no more;
# a contract check among them fails, an advisory one warns)
BROKEN: dict[str, tuple[dict[str, Any], set[str]]] = {
    "refresh_token_reusable": (
        {"fib_tokens": _tokens(ForgetsUsedRefreshTokens)},
        {"used_refresh_token_is_rejected", "reused_refresh_token_revokes_family"},
    ),
    "logout_does_nothing": (
        {"fib_tokens": _tokens(LogoutRevokesNothing)},
        {
            "access_token_rejected_after_logout",
            "refresh_token_rejected_after_logout",
            "logout_ends_refreshed_session",
        },
    ),
    "alg_none_accepted": (
        {"fib_tokens": _tokens(AcceptsAlgNone)},
        {"unsigned_token_is_rejected"},
    ),
    "access_token_accepted_for_refresh": (
        {"fib_tokens": _tokens(AccessWorksAsRefresh)},
        {"access_token_is_not_a_refresh_token"},
    ),
    "refresh_token_accepted_for_logout": (
        {"fib_tokens": _tokens(RefreshWorksAsAccess)},
        {"refresh_token_is_not_an_access_token"},
    ),
    "signature_not_checked": (
        {"fib_tokens": _tokens(SignatureNotChecked)},
        {"tampered_payload_is_rejected", "token_signed_by_another_key_is_rejected"},
    ),
    "alg_confusion_accepted": (
        {"fib_tokens": _tokens(AlgConfusion)},
        {"hs256_token_keyed_with_public_key_is_rejected"},
    ),
    "published_key_is_not_the_signing_key": (
        {"fib_tokens": _tokens(PublishesAnotherKey)},
        {"issued_tokens_verify_with_published_key"},
    ),
    "garbage_token_crashes": (
        {"fib_tokens": _tokens(CrashesOnGarbage)},
        {"garbage_authorization_is_refused", "unusable_authorization_gets_401"},
    ),
    "bearer_prefix_refused": (
        {"wrap": refuse_bearer_prefix},
        {"bearer_prefix_is_optional"},
    ),
}

# Advisory faults: variant -> (running_server keyword arguments, the checks it must warn on)
BROKEN_ADVISORY: dict[str, tuple[dict[str, Any], set[str]]] = {
    "refresh_starts_new_session": (
        {"fib_tokens": _tokens(RefreshStartsNewSession)},
        {"reused_refresh_token_revokes_family", "logout_ends_refreshed_session"},
    ),
    "logout_ends_only_its_token": (
        {"fib_tokens": _tokens(LogoutEndsOnlyItsToken)},
        {"logout_ends_refreshed_session"},
    ),
}

# Short-lived access tokens, so the expiry check can wait one out in a test.
SHORT_LIVED: dict[str, Any] = {"fib_tokens": _tokens(access_lifetime=1)}
SHORT_LIVED_NEVER_EXPIRING: dict[str, Any] = {
    "fib_tokens": _tokens(NeverExpires, access_lifetime=1)
}
NO_LIFECYCLE: dict[str, Any] = {"wrap": without_lifecycle_routes}


# --- revocations in memory only ---------------------------------------------------------


class MemoryRevocations(Store):
    """The reference store, except that revocations live in this process's memory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._revoked: set[str] = set()
        self._revoked_lock = threading.Lock()

    def revoke(self, jti: str, expires_at: int, *, now: float | None = None) -> bool:
        with self._revoked_lock:
            if jti in self._revoked:
                return False
            self._revoked.add(jti)
            return True

    def any_revoked(self, ids: Iterable[str]) -> bool:
        with self._revoked_lock:
            return any(i in self._revoked for i in ids)


def memory_revocations_app(db_path: str) -> App:
    """The reference app over ``db_path`` with revocations that a restart forgets."""
    app = create_app(db_path)
    app.services.store = MemoryRevocations(db_path)
    return app


def main(argv: list[str] | None = None) -> int:
    """``python tests/broken_fib_session.py`` + ``serve`` flags: the memory variant."""
    from reference_impl.serving import cli

    def build_app(settings: cli.AppSettings) -> App:
        return memory_revocations_app(settings.db)

    # Everything else (flags, demo seeding, credentials file, Granian) is the reference's own.
    cli.build_app = build_app
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
