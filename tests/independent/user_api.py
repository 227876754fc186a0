"""A User API server written the way a NestJS-minded stranger would read seed 003.

Readings taken where the seed is silent: ``userId`` is a UUID; invalid or missing fields
get 422, an unreadable body 400, both as ``{"statusCode", "message", "error"}``; a taken
email gets 400; names up to 200 characters, passwords of 6 to 256; undeclared methods and
paths get 404. What the seed does say is kept: 200 for both, ``{userId, email, userName,
token}``, an HS256 token with userId, userName, email, iat and exp one hour after iat.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from independent.web import App, Reply, Request
from independent.web import serve as serve_app

__all__ = ["FLAGS", "MUTANTS", "USERS", "credentials", "serve"]

SIGNUP = "/api/user/signup"
LOGIN = "/api/user/login"
TOKEN_SECONDS = 3600
NAME_MAX = 200
PASSWORD_MIN, PASSWORD_MAX = 6, 256
EMAIL_MAX = 254
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KDF_ROUNDS = 20_000

USERS = [
    {"name": "Grace", "email": "grace@users.example", "password": "sesame"},
    {"name": "a" * 100, "email": "long.name@users.example", "password": "letmein-please"},
]

FLAGS = {
    "login_token_lives_a_day": "the login token's exp is 24 h after its iat",
    "login_token_names_other_user": "the login token's claims name the server's first user",
    "login_user_name_is_email": "the login answer's userName is the email",
    "signup_name_optional": "a signup without name is accepted (userName from the email)",
    "signup_token_lives_a_day": "the signup token's exp is 24 h after its iat",
    "accepts_any_password": "login succeeds whatever the password",
    # Off in one place each, the way a real server of seed 003's family is.
    "signup_answers_201": "signup answers 201 Created (same body)",
    "omits_user_name": "signup and login answers leave userName out (the token keeps it)",
    "signup_closed": "signup refuses everyone with 403 (accounts are made elsewhere)",
    "tokens_omit_user_name": "neither token carries a userName claim",
    "server_error_on_unknown_email": "login with an unknown email answers 500 (null account)",
    "server_error_on_bad_json": "a body that is not JSON answers 500 on both paths",
    "exact_content_type": "a body is read only under the exact string application/json",
    "no_allow_on_405": "405 for another method on a known path, without Allow",
    # A correct reading: one function makes both tokens, with only the documented claims
    # and no optional typ header.
    "one_token_function": "both tokens come from one function: five claims, no typ header",
}
# flag -> the check that must fail on a server with that one fault. The first four are the
# bugs the suite let through; their checks are named as the issue asks for them.
MUTANTS = {
    "login_token_lives_a_day": "login_token_lives_one_hour",
    "login_token_names_other_user": "login_token_names_the_user",
    "login_user_name_is_email": "login_answer_names_the_user",
    "signup_name_optional": "signup_without_a_required_field_is_refused",
    "signup_token_lives_a_day": "token_lives_one_hour",
    "accepts_any_password": "wrong_password_rejected",
    "exact_content_type": "json_media_type_is_read_in_any_spelling",
    "no_allow_on_405": "method_not_allowed_carries_allow",
}
# Another method on a known path: 405, naming the one it takes.
OTHER_METHODS = ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS")

_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
}


def credentials() -> dict[str, Any]:
    """The ``user-api`` section of a credentials file for the users every instance has."""
    return {"users": [dict(u) for u in USERS]}


def _error(status: int, message: Any) -> Reply:
    return Reply(
        status, {"statusCode": status, "message": message, "error": _ERRORS.get(status, "Error")}
    )


def _hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, KDF_ROUNDS)
    return f"{salt.hex()}:{digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    salt, _, _ = stored.partition(":")
    return hmac.compare_digest(_hash(password, bytes.fromhex(salt)), stored)


class _Accounts:
    """Accounts in an in-memory SQLite database of its own."""

    def __init__(self, flags: frozenset[str]) -> None:
        self.flags = flags
        self.secret = secrets.token_bytes(32)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(
            "CREATE TABLE account (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " email TEXT NOT NULL UNIQUE, secret TEXT NOT NULL)"
        )
        for user in USERS:
            self.add(user["name"], user["email"], user["password"])

    def add(self, name: str, email: str, password: str) -> dict[str, str] | None:
        """The new account, or None when the email is taken."""
        account = {"id": str(uuid.uuid4()), "name": name, "email": email.lower()}
        try:
            with self.lock, self.db:
                self.db.execute(
                    "INSERT INTO account VALUES (?, ?, ?, ?)",
                    (account["id"], name, account["email"], _hash(password)),
                )
        except sqlite3.IntegrityError:
            return None
        return account

    def find(self, email: str) -> tuple[dict[str, str], str] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT id, name, email, secret FROM account WHERE email = ?", (email.lower(),)
            ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "email": row[2]}, row[3]

    def answer(self, account: dict[str, str], *, login: bool) -> dict[str, str]:
        """The documented 200 body, with its token."""
        lifetime = TOKEN_SECONDS
        if ("login_token_lives_a_day" in self.flags and login) or (
            "signup_token_lives_a_day" in self.flags and not login
        ):
            lifetime = 24 * 3600
        named = account
        if login and "login_token_names_other_user" in self.flags:
            other = USERS[1] if account["email"] == USERS[0]["email"] else USERS[0]
            named = self.find(other["email"])[0]
        if "one_token_function" in self.flags:
            return self._plain_answer(account)
        now = int(time.time())
        claims = {
            "userId": named["id"],
            "userName": named["name"],
            "email": named["email"],
            "iat": now,
            "exp": now + lifetime,
        }
        if "tokens_omit_user_name" in self.flags:
            del claims["userName"]
        user_name = account["name"]
        if login and "login_user_name_is_email" in self.flags:
            user_name = account["email"]
        answer = {
            "userId": account["id"],
            "email": account["email"],
            "userName": user_name,
            "token": jwt.encode(claims, self.secret, algorithm="HS256"),
        }
        if "omits_user_name" in self.flags:
            del answer["userName"]
        return answer

    def _plain_answer(self, account: dict[str, str]) -> dict[str, str]:
        """Signup and login alike: the seed's five claims, and no typ in the header."""
        now = int(time.time())
        claims = {"userId": account["id"], "userName": account["name"], "email": account["email"]}
        claims |= {"iat": now, "exp": now + TOKEN_SECONDS}
        token = jwt.encode(claims, self.secret, algorithm="HS256", headers={"typ": None})
        return {**_user_fields(account), "token": token}


def _user_fields(account: dict[str, str]) -> dict[str, str]:
    return {"userId": account["id"], "email": account["email"], "userName": account["name"]}


def _fields(
    request: Request,
    names: tuple[str, ...],
    optional: tuple[str, ...] = (),
    flags: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any] | None, Reply | None]:
    """(values, None) or (None, the refusal): 400 for an unreadable body, 422 for bad fields."""
    if "exact_content_type" in flags and request.headers.get("content-type") != "application/json":
        return None, _error(415, "Content-Type must be application/json")
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        if "server_error_on_bad_json" in flags:  # the parser's error reaches the last handler
            return None, _error(500, "Internal Server Error")
        return None, _error(400, "Unexpected token in JSON body")
    if not isinstance(body, dict):
        return None, _error(400, "The body must be a JSON object")
    problems = []
    for name in names:
        value = body.get(name)
        if value is None and name in optional:
            continue
        if not isinstance(value, str) or not value:
            problems.append(f"{name} must be a non-empty string")
    email = body.get("email")
    if isinstance(email, str) and (len(email) > EMAIL_MAX or not EMAIL_SHAPE.match(email)):
        problems.append("email must be an email")
    password = body.get("password")
    if isinstance(password, str) and not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        problems.append(f"password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    name = body.get("name")
    if "name" in names and isinstance(name, str) and len(name) > NAME_MAX:
        problems.append(f"name must be at most {NAME_MAX} characters")
    if problems:
        return None, _error(422, problems)
    return body, None


def _handlers(accounts: _Accounts) -> dict[tuple[str, str], Callable[[Request], Reply]]:
    def signup(request: Request) -> Reply:
        if "signup_closed" in accounts.flags:
            return _error(403, "Signup is closed")
        optional = ("name",) if "signup_name_optional" in accounts.flags else ()
        body, refusal = _fields(request, ("name", "email", "password"), optional, accounts.flags)
        if refusal:
            return refusal
        name = body.get("name") or body["email"].split("@")[0]
        account = accounts.add(name, body["email"], body["password"])
        if account is None:
            return _error(400, "Email is already registered")
        created = 201 if "signup_answers_201" in accounts.flags else 200
        return Reply(created, accounts.answer(account, login=False))

    def login(request: Request) -> Reply:
        body, refusal = _fields(request, ("email", "password"), flags=accounts.flags)
        if refusal:
            return refusal
        found = accounts.find(body["email"])
        if found is None and "server_error_on_unknown_email" in accounts.flags:
            return _error(500, "Cannot read properties of null (reading 'password')")
        if found is None:
            return _error(401, "Invalid credentials")
        account, stored = found
        if "accepts_any_password" not in accounts.flags and not _matches(body["password"], stored):
            return _error(401, "Invalid credentials")
        return Reply(200, accounts.answer(account, login=True))

    def not_allowed(_request: Request) -> Reply:
        reply = _error(405, "Method Not Allowed")
        if "no_allow_on_405" not in accounts.flags:
            reply.headers["Allow"] = "POST"
        return reply

    routes = {(method, path): not_allowed for method in OTHER_METHODS for path in (SIGNUP, LOGIN)}
    return {**routes, ("POST", SIGNUP): signup, ("POST", LOGIN): login}


def serve(port: int = 0, flags: Iterable[str] = ()) -> tuple[str, Callable[[], None]]:
    """Start a fresh instance (new secret, only USERS registered); ``flags`` pick faults."""
    chosen = frozenset(flags)
    unknown = chosen - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown User API flags {sorted(unknown)}")
    return serve_app(App(_handlers(_Accounts(chosen)), _error, body_limit=100 * 1024), port)
