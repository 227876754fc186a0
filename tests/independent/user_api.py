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

__all__ = ["FLAGS", "MUTANTS", "PLACEHOLDER_SECRET", "USERS", "credentials", "serve"]

SIGNUP = "/api/user/signup"
LOGIN = "/api/user/login"
TOKEN_SECONDS = 3600
NAME_MAX = 200
PASSWORD_MIN, PASSWORD_MAX = 6, 256
EMAIL_MAX = 254
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KDF_ROUNDS = 20_000
LONG_PASSWORD_MAX = 50  # refuses_long_passwords
BCRYPT_BYTES = 72  # truncates_passwords_at_72_bytes
THROTTLE_AFTER = 5  # throttles_failed_logins
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="users"'}
NO_STORE = {"Cache-Control": "no-store"}

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
    # Email handling, the way real servers of seed 003's family get it wrong.
    "email_case_split": "signup lower-cases the email, login looks up the string as sent",
    "email_trimmed_at_signup": "signup trims spaces around the email, login does not",
    "email_case_sensitive": "emails are kept and compared exactly as sent, case included",
    "refuses_plus_addresses": "an email with a + in it is refused as invalid",
    "operator_matching": "an email of {$ne|$gt|$regex} or a list matches like a Mongo query",
    "exact_content_type": "a body is read only under the exact string application/json",
    "no_allow_on_405": "405 for another method on a known path, without Allow",
    # A correct reading: one function makes both tokens, with only the documented claims
    # and no optional typ header.
    "one_token_function": "both tokens come from one function: five claims, no typ header",
    "placeholder_jwt_secret": "tokens are signed with jwt.io's 'your-256-bit-secret'",
    "signup_answers_stored_password": "the signup answer carries the stored salt:hash",
    # Account discovery, passwords and headers, as real servers were seen to do.
    "tells_unknown_email": "an unknown email gets 404 'No account with this email'",
    "token_answers_cacheable": "token answers carry no Cache-Control",
    "refuses_long_passwords": "passwords over 50 characters are refused (422)",
    "truncates_passwords_at_72_bytes": "only a password's first 72 bytes are hashed (bcrypt)",
    # A correct reading the others lack: five failures in a row for one email, then 429.
    "throttles_failed_logins": "past 5 failed logins in a row for one email: 429, Retry-After",
}
PLACEHOLDER_SECRET = "your-256-bit-secret"
# flag -> the check that must fail on a server with that one fault. The first four are the
# bugs the suite let through; their checks are named as the issue asks for them.
# (email_case_split is judged in tests/test_email_forms.py, with what it must not fail.)
MUTANTS = {
    "login_token_lives_a_day": "login_token_lives_one_hour",
    "login_token_names_other_user": "login_token_names_the_user",
    "login_user_name_is_email": "login_answer_names_the_user",
    "signup_name_optional": "signup_without_a_required_field_is_refused",
    "signup_token_lives_a_day": "token_lives_one_hour",
    "accepts_any_password": "wrong_password_rejected",
    "placeholder_jwt_secret": "token_secret_is_not_a_known_weak_one",
    "signup_answers_stored_password": "answers_hold_no_password_material",
    "email_trimmed_at_signup": "registered_email_logs_in_as_sent",
    "email_case_sensitive": "login_takes_the_email_in_another_case",
    "refuses_plus_addresses": "signup_takes_mixed_case_and_plus_addresses",
    "operator_matching": "operator_objects_log_nobody_in",
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
    429: "Too Many Requests",
}


def credentials() -> dict[str, Any]:
    """The ``user-api`` section of a credentials file for the users every instance has."""
    return {"users": [dict(u) for u in USERS]}


def _error(status: int, message: Any) -> Reply:
    headers = CHALLENGE if status == 401 else {}
    return Reply(
        status,
        {"statusCode": status, "message": message, "error": _ERRORS.get(status, "Error")},
        headers,
    )


def _hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, KDF_ROUNDS)
    return f"{salt.hex()}:{digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    salt, _, _ = stored.partition(":")
    return hmac.compare_digest(_hash(password, bytes.fromhex(salt)), stored)


# Hashed once: an unknown email is checked against it, so it costs what a wrong password does.
_DECOY = _hash("no account has this password")


class _Accounts:
    """Accounts in an in-memory SQLite database of its own."""

    def __init__(self, flags: frozenset[str]) -> None:
        self.flags = flags
        self.secret = secrets.token_bytes(32)
        if "placeholder_jwt_secret" in flags:
            self.secret = PLACEHOLDER_SECRET.encode("utf-8")
        self.lock = threading.Lock()
        # throttles_failed_logins: email -> (failures in a row, when the last one was)
        self.failures: dict[str, tuple[int, float]] = {}
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(
            "CREATE TABLE account (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " email TEXT NOT NULL UNIQUE, secret TEXT NOT NULL)"
        )
        for user in USERS:
            self.add(user["name"], user["email"], user["password"])

    def add(self, name: str, email: str, password: str) -> dict[str, str] | None:
        """The new account, or None when the email is taken."""
        kept = email if "email_case_sensitive" in self.flags else email.lower()
        account = {"id": str(uuid.uuid4()), "name": name, "email": kept}
        try:
            with self.lock, self.db:
                self.db.execute(
                    "INSERT INTO account VALUES (?, ?, ?, ?)",
                    (account["id"], name, account["email"], _hash(self.hashed_part(password))),
                )
        except sqlite3.IntegrityError:
            return None
        return account

    def token_headers(self) -> dict[str, str]:
        return {} if "token_answers_cacheable" in self.flags else NO_STORE

    def hashed_part(self, password: str) -> str:
        """What of a password is hashed: all of it, or bcrypt's 72 bytes when so flagged."""
        if "truncates_passwords_at_72_bytes" in self.flags:
            return password.encode("utf-8")[:BCRYPT_BYTES].decode("utf-8", "ignore")
        return password

    def throttled(self, email: str) -> bool:
        """throttles_failed_logins: THROTTLE_AFTER failures in a row, the last under a
        minute ago."""
        count, last = self.failures.get(email.lower(), (0, 0.0))
        return count >= THROTTLE_AFTER and time.monotonic() - last < 60

    def failed(self, email: str) -> None:
        count, _ = self.failures.get(email.lower(), (0, 0.0))
        self.failures[email.lower()] = (count + 1, time.monotonic())

    def find(self, email: Any) -> tuple[dict[str, str], str] | None:
        if "operator_matching" in self.flags and isinstance(email, dict | list):
            return self._find_by_query(email)
        as_sent = self.flags & {"email_case_split", "email_case_sensitive"}
        with self.lock:
            row = self.db.execute(
                "SELECT id, name, email, secret FROM account WHERE email = ?",
                (email if as_sent else email.lower(),),
            ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "email": row[2]}, row[3]

    def _find_by_query(
        self, query: dict[str, Any] | list[Any]
    ) -> tuple[dict[str, str], str] | None:
        """A Mongo-style findOne: the oldest account whose email the query matches."""
        with self.lock:
            rows = self.db.execute(
                "SELECT id, name, email, secret FROM account ORDER BY rowid"
            ).fetchall()
        for row in rows:
            if isinstance(query, list):
                hit = row[2] in query
            else:
                hit = all(
                    (op == "$ne" and row[2] != value)
                    or (op == "$gt" and isinstance(value, str) and row[2] > value)
                    or (op == "$regex" and re.search(str(value), row[2]) is not None)
                    for op, value in query.items()
                )
            if hit:
                return {"id": row[0], "name": row[1], "email": row[2]}, row[3]
        return None

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
    if (
        "email_trimmed_at_signup" in flags
        and "name" in names
        and isinstance(body.get("email"), str)
    ):
        body["email"] = body["email"].strip()
    problems = []
    for name in names:
        value = body.get(name)
        if value is None and name in optional:
            continue
        queried = name == "email" and "name" not in names  # the login's lookup
        if queried and "operator_matching" in flags and isinstance(value, dict | list):
            continue  # the login hands it to the query as it came
        if not isinstance(value, str) or not value:
            problems.append(f"{name} must be a non-empty string")
    email = body.get("email")
    plus_refused = "refuses_plus_addresses" in flags and "+" in str(email)
    if isinstance(email, str) and (
        len(email) > EMAIL_MAX or not EMAIL_SHAPE.match(email) or plus_refused
    ):
        problems.append("email must be an email")
    password = body.get("password")
    longest = LONG_PASSWORD_MAX if "refuses_long_passwords" in flags else PASSWORD_MAX
    if isinstance(password, str) and not PASSWORD_MIN <= len(password) <= longest:
        problems.append(f"password must be {PASSWORD_MIN} to {longest} characters")
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
        answer = accounts.answer(account, login=False)
        if "signup_answers_stored_password" in accounts.flags:
            answer["password"] = accounts.find(account["email"])[1]
        return Reply(created, answer, accounts.token_headers())

    def login(request: Request) -> Reply:
        body, refusal = _fields(request, ("email", "password"), flags=accounts.flags)
        if refusal:
            return refusal
        throttling = "throttles_failed_logins" in accounts.flags
        if throttling and accounts.throttled(body["email"]):
            return Reply(429, _error(429, "Too many failed logins").body, {"Retry-After": "60"})
        found = accounts.find(body["email"])
        if found is None and "server_error_on_unknown_email" in accounts.flags:
            return _error(500, "Cannot read properties of null (reading 'password')")
        if found is None and "tells_unknown_email" in accounts.flags:
            return _error(404, "No account with this email")
        password = accounts.hashed_part(body["password"])
        if found is None:
            _matches(password, _DECOY)  # the same work as a wrong password
            accounts.failed(body["email"])
            return _error(401, "Invalid credentials")
        account, stored = found
        if "accepts_any_password" not in accounts.flags and not _matches(password, stored):
            accounts.failed(body["email"])
            return _error(401, "Invalid credentials")
        accounts.failures.pop(body["email"].lower(), None)
        return Reply(200, accounts.answer(account, login=True), accounts.token_headers())

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
