"""A small User API written apart from the reference, reading seed 003's silences otherwise.

Where the seed says nothing it chooses differently from the reference server, the way a
framework-built server would: UUID user ids, 422 for an invalid field, 400 for a taken
email, error bodies ``{"statusCode", "message", "error"}``, names up to 100 characters,
passwords from 6 characters, 404 for an undeclared method. Every one of those is allowed
by the seed, so the suite must find it conformant (with advisories). ``Faults`` switches on
one real bug at a time, for the checks that must catch it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import jwt

SIGNUP = "/api/user/signup"
LOGIN = "/api/user/login"
MAX_BODY = 100_000


@dataclass(frozen=True)
class Faults:
    """Bugs that contradict seed 003; all off is a conformant server."""

    token_lifetime: int = 3600  # the seed: "only valid for 1 hour"
    token_names_someone_else: bool = False
    user_name_is_email: bool = False  # login answers userName = the email
    name_optional: bool = False  # signup accepts a body without name


class _Refusal(Exception):
    def __init__(self, status: int, message: Any) -> None:
        super().__init__(status)
        self.status, self.message = status, message


class OtherUserApi:
    """The WSGI app: an in-memory user table, HS256 tokens, framework-style errors."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        self.secret = os.urandom(32)
        self.users: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, body = self._route(environ)
        except _Refusal as refusal:
            status = refusal.status
            body = {
                "statusCode": status,
                "message": refusal.message,
                "error": HTTPStatus(status).phrase,
            }
        data = json.dumps(body).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(data))),
            ],
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [data]  # RFC 9110 §9.3.2

    def _route(self, environ: dict) -> tuple[int, Any]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path not in (SIGNUP, LOGIN) or method != "POST":
            raise _Refusal(404, f"Cannot {method} {path}")
        fields = self._json(environ)
        return 200, (self._signup(fields) if path == SIGNUP else self._login(fields))

    def _json(self, environ: dict) -> dict[str, Any]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            raise _Refusal(413, "request entity too large")
        raw = environ["wsgi.input"].read(length) if length else b""
        if "json" not in environ.get("CONTENT_TYPE", "").lower():  # RFC 9110 §8.3.1
            raise _Refusal(400, "Content-Type must be application/json")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise _Refusal(400, f"Unexpected token in JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise _Refusal(400, "body must be an object")
        return body

    def _validate(self, fields: dict[str, Any], names: tuple[str, ...]) -> None:
        problems = []
        for name in names:
            value = fields.get(name)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{name} should not be empty")
        if isinstance(fields.get("email"), str) and "@" not in fields["email"]:
            problems.append("email must be an email")
        if isinstance(fields.get("password"), str) and len(fields["password"]) < 6:
            problems.append("password must be longer than or equal to 6 characters")
        if isinstance(fields.get("name"), str) and len(fields["name"]) > 100:
            problems.append("name must be shorter than or equal to 100 characters")
        if problems:
            raise _Refusal(422, problems)

    def _hash(self, salt: str, password: str) -> str:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()

    def _signup(self, fields: dict[str, Any]) -> dict[str, Any]:
        required = (
            ("email", "password") if self.faults.name_optional else ("name", "email", "password")
        )
        self._validate(fields, required)
        email = fields["email"]
        name = fields.get("name") if isinstance(fields.get("name"), str) else email.split("@")[0]
        with self.lock:
            if email.lower() in self.users:
                raise _Refusal(400, "Email already exists")
            user_id = str(uuid.uuid4())
            self.users[email.lower()] = {
                "id": user_id,
                "name": name,
                "email": email,
                "hash": self._hash(user_id, fields["password"]),
            }
        return self._answer(self.users[email.lower()], login=False)

    def _login(self, fields: dict[str, Any]) -> dict[str, Any]:
        self._validate(fields, ("email", "password"))
        user = self.users.get(fields["email"].lower())
        if user is None or self._hash(user["id"], fields["password"]) != user["hash"]:
            raise _Refusal(401, "Unauthorized")
        return self._answer(user, login=True)

    def _answer(self, user: dict[str, str], *, login: bool) -> dict[str, Any]:
        now = int(time.time())
        claims = {"userId": user["id"], "userName": user["name"], "email": user["email"]}
        if login and self.faults.token_names_someone_else:
            claims = {"userId": str(uuid.uuid4()), "userName": "admin", "email": "admin@x.org"}
        lifetime = self.faults.token_lifetime if login else 3600
        token = jwt.encode({**claims, "iat": now, "exp": now + lifetime}, self.secret, "HS256")
        name = user["email"] if login and self.faults.user_name_is_email else user["name"]
        return {"userId": user["id"], "email": user["email"], "userName": name, "token": token}


def serving_other(faults: Faults | None = None) -> Callable[[Any], OtherUserApi]:
    """A ``wrap=`` for ``running_server``: serve this app instead of the reference one."""
    return lambda _reference: OtherUserApi(faults)
