"""A User API server written the way an Express/Mongoose/bcrypt stranger would, with a
password policy, read from seed 003.

Readings taken where the seed is silent: ``userId`` is a 24-hex ObjectId; every refusal
is ``{"message": ...}`` with 400 (bad or missing field, weak password), 409 (taken email)
or 401 (wrong credentials). The policy is the server's own (``flags`` pick one):

- ``strong``: like validator.isStrongPassword, 8+ characters with a lower and an upper
  case letter, a digit and a symbol;
- ``bcrypt72``: at most 72 bytes, as bcrypt reads no further (and at least 6 characters);
- ``refuses_every_password``: 64+ characters, which no password the suite makes has.

What the seed says is kept: 200 for signup and login, ``{userId, email, userName, token}``,
an HS256 token with userId, userName, email, iat and exp one hour after iat.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from independent.web import App, Reply, Request
from independent.web import serve as serve_app

__all__ = ["FLAGS", "credentials", "serve"]

SIGNUP = "/api/user/signup"
LOGIN = "/api/user/login"
HOUR = 3600
BCRYPT_BYTES = 72
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)

FLAGS = {
    "strong": "passwords need 8+ characters: lower, upper, digit and symbol",
    "bcrypt72": "passwords of 6 characters to 72 bytes",
    "refuses_every_password": "passwords need 64+ characters",
}
USERS = [{"name": "Ada", "email": "ada@policy.example", "password": "Analytical-Engine-1843"}]


def credentials() -> dict[str, Any]:
    """The ``user-api`` section of a credentials file for the user every instance has."""
    return {"users": [dict(u) for u in USERS]}


def _is_strong(password: str) -> bool:
    return (
        len(password) >= 8
        and any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
        and any(not c.isalnum() for c in password)
    )


def _policy_refusal(policy: str, password: str) -> str | None:
    """The policy's complaint about ``password``, or None when it passes."""
    if policy == "strong" and not _is_strong(password):
        return "Password is not strong enough"
    if policy == "bcrypt72" and not 6 <= len(password) <= len(password.encode()) <= BCRYPT_BYTES:
        return "Password must be 6 characters to 72 bytes"
    if policy == "refuses_every_password" and len(password) < 64:
        return "Password must be at least 64 characters long"
    return None


class _Users:
    """A Mongoose-like collection in a dict, with salted, slow password hashes."""

    def __init__(self, policy: str, journal: list[dict[str, Any]]) -> None:
        self.policy = policy
        self.journal = journal  # every signup body, as received, for the tests to read
        self.secret = secrets.token_bytes(32)
        self.lock = threading.Lock()
        self.by_email: dict[str, dict[str, str]] = {}
        for user in USERS:
            self.create(user["name"], user["email"], user["password"])

    def create(self, name: str, email: str, password: str) -> dict[str, str] | None:
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000)
        user = {"_id": secrets.token_hex(12), "name": name, "email": email.lower()}
        with self.lock:
            if user["email"] in self.by_email:
                return None
            self.by_email[user["email"]] = {**user, "hash": f"{salt.hex()}${digest.hex()}"}
        return user

    def check(self, email: str, password: str) -> dict[str, str] | None:
        with self.lock:
            user = self.by_email.get(email.lower())
        if user is None:
            return None
        salt, _, digest = user["hash"].partition("$")
        again = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 10_000)
        return user if hmac.compare_digest(again.hex(), digest) else None

    def answer(self, user: dict[str, str]) -> dict[str, str]:
        now = int(time.time())
        claims = {"userId": user["_id"], "userName": user["name"], "email": user["email"]}
        token = jwt.encode({**claims, "iat": now, "exp": now + HOUR}, self.secret, "HS256")
        return {
            "userId": user["_id"],
            "email": user["email"],
            "userName": user["name"],
            "token": token,
        }


def _message(status: int, text: str) -> Reply:
    return Reply(status, {"message": text})


def _body(request: Request, fields: tuple[str, ...]) -> tuple[dict[str, str] | None, Reply | None]:
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        return None, _message(400, "Invalid JSON")
    if not isinstance(body, dict):
        return None, _message(400, "Invalid JSON")
    if not all(isinstance(body.get(f), str) and body[f].strip() for f in fields):
        return None, _message(400, f"{', '.join(fields)} are required")
    if not EMAIL.match(body["email"]) or len(body["email"]) > 254:
        return None, _message(400, "Invalid email")
    return body, None


def _routes(users: _Users) -> dict[tuple[str, str], Callable[[Request], Reply]]:
    def signup(request: Request) -> Reply:
        body, refusal = _body(request, ("name", "email", "password"))
        users.journal.append(body or {})
        if refusal:
            return refusal
        complaint = _policy_refusal(users.policy, body["password"])
        if complaint:
            return _message(400, complaint)
        user = users.create(body["name"], body["email"], body["password"])
        if user is None:
            return _message(409, "User already exists")
        return Reply(200, users.answer(user))

    def login(request: Request) -> Reply:
        body, refusal = _body(request, ("email", "password"))
        if refusal:
            return refusal
        user = users.check(body["email"], body["password"])
        if user is None:
            return _message(401, "Invalid email or password")
        return Reply(200, users.answer(user))

    return {("POST", SIGNUP): signup, ("POST", LOGIN): login}


def serve(
    port: int = 0, flags: Iterable[str] = (), journal: list[dict[str, Any]] | None = None
) -> tuple[str, Callable[[], None]]:
    """Start a fresh instance; ``flags`` names its one password policy; ``journal`` (if
    given) receives every signup body."""
    (policy,) = tuple(flags) or ("strong",)
    if policy not in FLAGS:
        raise ValueError(f"unknown password policy {policy!r}")
    users = _Users(policy, journal if journal is not None else [])
    return serve_app(App(_routes(users), _message, body_limit=64 * 1024), port)
