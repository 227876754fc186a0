"""User API handlers (seed 003): sign up and log in, each answering with a one-hour HS256 token.

Seed 003 documents only the 200 answers; the error codes are the project's own
(see docs/apis/user-api): 400 for a malformed body or field, 409 for a taken email,
401 for an unknown email or a wrong password (one message for both), and the
shared 413/415 from ``http.body``. Error bodies are ``{"error": <code>, "message": <sentence>}``.

Replaceable components (``create_app`` options, see ``reference_impl.app``):
``user_api_password_verifier`` ``(password, stored_hash) -> bool``;
``user_api_create_user`` ``(store, name, email, password_hash) -> ApiUser``, raising
``DuplicateUser`` for a taken email; ``user_api_token_lifetime`` seconds (int).
"""

from __future__ import annotations

import re
from typing import Any

from reference_impl.auth import passwords, server_keys
from reference_impl.auth.login_limits import client_address, limiter_of
from reference_impl.auth.tokens_hs256 import USER_API_TOKEN_LIFETIME, issue_user_api_token
from reference_impl.http.errors import BadRequest, Conflict, HTTPError, Unauthorized
from reference_impl.http.messages import Response, json_response
from reference_impl.http.request import Request
from reference_impl.http.router import Rule
from reference_impl.store import ApiUser, DuplicateUser, Store
from reference_impl.systems.services import Services

__all__ = ["LOGIN_PATH", "OPTIONS", "ROUTES", "SIGNUP_PATH", "render_error"]

SYSTEM = "user_api"  # the failed-login counts' namespace
SIGNUP_PATH = "/api/user/signup"
LOGIN_PATH = "/api/user/login"

OPTIONS = frozenset(
    {"user_api_password_verifier", "user_api_create_user", "user_api_token_lifetime"}
)

# Project limits (seed 003 gives none): generous for people, small enough to bound the work.
NAME_MIN, NAME_MAX = 1, 64
EMAIL_MAX = 254  # RFC 5321's path limit
PASSWORD_MIN = 8
PASSWORD_MAX = 128
# One @, no spaces, a dot in the domain: a shape check, not RFC 5322.
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

BAD_CREDENTIALS = "The email or password is incorrect."


def render_error(err: HTTPError) -> Response:
    """``{"error": code, "message": sentence}``; the code is the error's detail or its slug."""
    code = err.detail if isinstance(err.detail, str) else err.slug
    return json_response(err.code, {"error": code, "message": err.message}, headers=err.headers)


def _object_body(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", detail="invalid_body")
    return body


def _string_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise BadRequest(f"The field {name!r} is required.", detail="missing_field")
    if not isinstance(value, str):
        raise BadRequest(f"The field {name!r} must be a string.", detail="invalid_field")
    return value


def _email(body: dict[str, Any]) -> str:
    email = _string_field(body, "email")
    if len(email) > EMAIL_MAX or not EMAIL_SHAPE.fullmatch(email):
        raise BadRequest(
            f"The field 'email' must be an email address of at most {EMAIL_MAX} characters.",
            detail="invalid_field",
        )
    return email


def _password(body: dict[str, Any]) -> str:
    password = _string_field(body, "password")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise BadRequest(
            f"The field 'password' must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.",
            detail="invalid_field",
        )
    return password


def _name(body: dict[str, Any]) -> str:
    """1 to ``NAME_MAX`` characters of any kind, exactly the spec's schema (no "blank" rule:
    which characters count as blank differs between languages, and the schema has none)."""
    name = _string_field(body, "name")
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise BadRequest(
            f"The field 'name' must be {NAME_MIN} to {NAME_MAX} characters.",
            detail="invalid_field",
        )
    return name


def _create_user(store: Store, name: str, email: str, password_hash: str) -> ApiUser:
    return store.create_api_user(name, email, password_hash)


def _user_answer(services: Services, user: ApiUser) -> Response:
    token = issue_user_api_token(
        server_keys.user_api_jwt_secret(services.store),
        user_id=user.user_id,
        user_name=user.name,
        email=user.email,
        now=int(services.clock()),
        lifetime=services.options.get("user_api_token_lifetime", USER_API_TOKEN_LIFETIME),
    )
    body = {"userId": user.user_id, "email": user.email, "userName": user.name, "token": token}
    return json_response(200, body, headers=[("Cache-Control", "no-store")])


def signup(request: Request, services: Services) -> Response:
    """Create the user; the store's UNIQUE email decides races, so a duplicate is always 409."""
    body = _object_body(request)
    name, email, password = _name(body), _email(body), _password(body)
    create = services.options.get("user_api_create_user", _create_user)
    try:
        password_hash = passwords.hash_password(password, services.password_cost)
        user = create(services.store, name, email, password_hash)
    except DuplicateUser:
        raise Conflict("An account with this email already exists.", detail="email_taken") from None
    return _user_answer(services, user)


def login(request: Request, services: Services) -> Response:
    """Check the password against the stored scrypt hash; one 401 for every kind of mismatch.

    Past the failed-login limit the answer is 429 before any hashing; a hash stored at
    a lower cost than the server's is replaced once the password has matched it.
    """
    body = _object_body(request)
    email, password = _email(body), _password(body)
    limiter, address = limiter_of(services), client_address(request.environ)
    verify = services.options.get("user_api_password_verifier", passwords.verify_password)
    cost = services.password_cost
    with limiter.attempt(SYSTEM, email, address) as attempt:
        user = services.store.api_user_by_email(email)
        matched = verify(password, user.password_hash if user else passwords.decoy_hash(cost))
        if user is None or not matched:
            attempt.failed()
            raise Unauthorized(BAD_CREDENTIALS, detail="invalid_credentials")
        attempt.succeeded()
    if passwords.needs_rehash(user.password_hash, cost):
        services.store.set_api_user_password(user.email, passwords.hash_password(password, cost))
    return _user_answer(services, user)


ROUTES = (
    Rule("POST", SIGNUP_PATH, "user_api.signup"),
    Rule("POST", LOGIN_PATH, "user_api.login"),
)
