"""Duktig handler (seed 004): ``POST /auth/token`` behind a configured X-Auth-Key.

Order of judgement: the key first (nothing else is read without it), then the body
(413/415/400 from ``http.body``, then the seed's 422 field map), then the credentials
(401; past the failed-login limit 429, see ``login_limits``), then the account's
status (403, only once the password is right, so it reveals nothing to a guesser).
Success stores this login's time as ``lastLogin``.

Replaceable components (``create_app`` options, see ``reference_impl.app``):
``duktig_password_verifier`` ``(password, stored_hash) -> bool``;
``duktig_may_sign_in`` ``(DuktigUser) -> bool`` (default: the account is active);
``duktig_last_login_format`` a ``time.strftime`` format.
"""

from __future__ import annotations

import hmac
import re
import time
from typing import Any

from reference_impl.auth import passwords, server_keys
from reference_impl.auth.login_limits import client_address, limiter_of
from reference_impl.auth.tokens_hs256 import issue_duktig_tokens
from reference_impl.http.errors import Forbidden, HTTPError, Unauthorized, UnprocessableEntity
from reference_impl.http.messages import Response, json_response
from reference_impl.http.request import Request
from reference_impl.http.router import Rule
from reference_impl.store import DuktigUser, Store
from reference_impl.systems.services import Services

__all__ = ["OPTIONS", "ROUTES", "TOKEN_PATH", "field_errors", "render_error"]

SYSTEM = "duktig"  # the failed-login counts' namespace
TOKEN_PATH = "/auth/token"
AUTH_HEADER = "X-Auth-Key"

OPTIONS = frozenset({"duktig_password_verifier", "duktig_may_sign_in", "duktig_last_login_format"})

# Seed 004's messages, word for word.
REQUIRED_VALUE = "Required value"
VALID_EMAIL = "Required valid email address"
PASSWORD_STRENGTH = "Required not weak Password Strength between 6 - 256 chars"
EXACT_KEYS = "Required exact values as: email, password"
INCORRECT_CREDENTIALS = "Incorrect credentials"
INACTIVE = "Due to the status of your account, you are not able to access this resource"
SIGNED_IN = "Signed in successfully"
# The seed does not say how a bad key is refused; this sentence is the project's.
BAD_AUTH_KEY = "Invalid or missing X-Auth-Key"

PASSWORD_MIN, PASSWORD_MAX = 6, 256
EMAIL_MAX = 254
EXPECTED_KEYS = frozenset({"email", "password"})
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
# "2019-11-15 11:55:37", always UTC.
LAST_LOGIN_FORMAT = "%Y-%m-%d %H:%M:%S"


def render_error(err: HTTPError) -> Response:
    """A 422 is the field map itself (seed 004); everything else ``{"status": "error", ...}``."""
    if isinstance(err, UnprocessableEntity) and isinstance(err.detail, dict):
        return json_response(err.code, err.detail, headers=err.headers)
    return json_response(err.code, {"status": "error", "message": err.message}, headers=err.headers)


def _require_auth_key(request: Request, store: Store) -> None:
    sent = request.header(AUTH_HEADER)
    expected = server_keys.duktig_auth_key(store)
    # compare_digest wants equal types; encode both so non-ASCII input cannot raise.
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Unauthorized(BAD_AUTH_KEY)


def field_errors(body: Any) -> dict[str, list[str]]:
    """Seed 004's 422 map for ``body``: only fields with errors appear; empty when valid."""
    if not isinstance(body, dict):
        return {"account": [EXACT_KEYS]}
    errors: dict[str, list[str]] = {}
    email, password = body.get("email"), body.get("password")
    if email is None or email == "":
        errors["email"] = [REQUIRED_VALUE]
    elif not isinstance(email, str) or len(email) > EMAIL_MAX or not EMAIL_SHAPE.fullmatch(email):
        errors["email"] = [VALID_EMAIL]
    if password is None or password == "":
        errors["password"] = [REQUIRED_VALUE]
    elif not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors["password"] = [PASSWORD_STRENGTH]
    if set(body) != EXPECTED_KEYS:
        errors["account"] = [EXACT_KEYS]
    return errors


def _account(user: DuktigUser) -> dict[str, Any]:
    return {
        "userId": user.user_id,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "roleId": user.role_id,
    }


def _is_active(user: DuktigUser) -> bool:
    return user.active


def token(request: Request, services: Services) -> Response:
    """Sign in: the documented 200 body with an HS256 access/refresh pair."""
    store, options = services.store, services.options
    _require_auth_key(request, store)
    body = request.json()
    errors = field_errors(body)
    if errors:
        raise UnprocessableEntity("The request body has invalid fields.", detail=errors)
    email, password = body["email"], body["password"]
    limiter, address = limiter_of(services), client_address(request.environ)
    verify = options.get("duktig_password_verifier", passwords.verify_password)
    cost = services.password_cost
    with limiter.attempt(SYSTEM, email, address) as attempt:
        user = store.duktig_user_by_email(email)
        matched = verify(password, user.password_hash if user else passwords.decoy_hash(cost))
        if user is None or not matched:
            attempt.failed()
            raise Unauthorized(INCORRECT_CREDENTIALS)
        attempt.succeeded()
    if passwords.needs_rehash(user.password_hash, cost):
        store.update_duktig_user(user.email, password_hash=passwords.hash_password(password, cost))
    if not options.get("duktig_may_sign_in", _is_active)(user):
        raise Forbidden(INACTIVE)
    now = int(services.clock())
    last_login = time.strftime(
        options.get("duktig_last_login_format", LAST_LOGIN_FORMAT), time.gmtime(now)
    )
    store.record_duktig_login(user.user_id, last_login)
    pair = issue_duktig_tokens(
        server_keys.duktig_jwt_secret(store), account=_account(user), now=now
    )
    return json_response(
        200,
        {
            "status": "OK",
            "message": SIGNED_IN,
            "lastLogin": last_login,
            "access_token": pair.access_token,
            "expires_in": pair.expires_in,
            "refresh_token": pair.refresh_token,
        },
        headers=[("Cache-Control", "no-store")],  # the answer carries tokens
    )


ROUTES = (Rule("POST", TOKEN_PATH, "duktig.token"),)
