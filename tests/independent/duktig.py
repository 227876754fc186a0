"""A Duktig ``/auth/token`` server that reads seed 004 the way Duktig itself does.

Readings taken where the seed is silent or points elsewhere: ``lastLogin`` is the time of
the user's previous sign-in, so null on the first; a body that is not JSON gets 400
``["Required valid json string"]`` (Duktig's general error page); undeclared methods and
paths get 404 ``{"status": "error", "message": "Resource not found"}`` (with ``only_post``,
any method but POST gets http.server's own 501, as PHP's server does); a missing or wrong
``X-Auth-Key`` gets 403; tokens live 8 hours and 7 days, not the example's 1 and 30 days.
What the seed fixes is kept word for word: the 422 map, the 401 and 403 bodies, the 200
body and the HS256 tokens with ``cty: JWT`` and their claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt

from independent.web import App, Reply, Request
from independent.web import serve as serve_app

__all__ = ["AUTH_KEY", "FLAGS", "MUTANTS", "PLACEHOLDER_SECRET", "credentials", "serve"]

TOKEN = "/auth/token"
AUTH_KEY = "indep-key-%41*77Zq"
ACCESS_SECONDS = 8 * 3600
REFRESH_SECONDS = 7 * 24 * 3600
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

NOT_JSON = ["Required valid json string"]
REQUIRED = "Required value"
BAD_EMAIL = "Required valid email address"
WEAK_PASSWORD = "Required not weak Password Strength between 6 - 256 chars"
EXACT_KEYS = "Required exact values as: email, password"
INCORRECT = {"status": "error", "message": "Incorrect credentials"}
INCORRECT_EMAIL = {"status": "error", "message": "Incorrect email"}
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="duktig"'}
NO_STORE = {"Cache-Control": "no-store"}
SLOW_SECONDS = 0.150
REWORDED = {"status": "error", "message": "Wrong email or password"}
INACTIVE = {
    "status": "error",
    "message": "Due to the status of your account, you are not able to access this resource",
}


@dataclass
class _Account:
    user_id: int
    first: str
    last: str
    email: str
    password: str
    active: bool
    role: int = 3
    last_login: str | None = None


_ACCOUNTS = (
    _Account(101, "Ada", "Lovelace", "ada@duktig.example", "analytical-6", True),
    _Account(102, "Charles", "Babbage", "charles@duktig.example", "difference-9", True),
    _Account(103, "Sleeping", "User", "asleep@duktig.example", "dormant-123", False),
)

FLAGS = {
    "account_names_other_user": "the access token's account is another user's",
    "inactive_gets_tokens": "an inactive account signs in like an active one",
    "reworded_401": "the 401 message is 'Wrong email or password'",
    "expires_in_is_lifetime": "expires_in is the lifetime in seconds, not the Unix time",
    # Off in one place, the way a real server of seed 004's family might be.
    "omits_last_login": "the sign-in answer leaves lastLogin out",
    # Another correct reading, not a fault: a server that implements POST alone, like PHP's
    # built-in server, answers every other method 501 (RFC 9110 §15.6.2).
    "only_post": "only POST is implemented: other methods get http.server's own 501",
    "query_crashes": "with only_post: QUERY, a method it does not implement, answers 500",
    # Seen on real User API servers, planted here in another system's server.
    "placeholder_jwt_secret": "tokens are signed with the quoted string 'process.env.JWT_KEY'",
    "answer_has_password_hash": "the sign-in answer carries the account row, hash included",
    # Seen on a Node/Mongoose User API server, planted here: the email goes into the query.
    "operator_matching": "an email of {$ne|$gt|$regex} or a list matches like a Mongo query",
    # Account discovery and headers, as real servers of other families were seen to do.
    "tells_unknown_email": "an unknown email gets 401 'Incorrect email'",
    "slow_wrong_password": "a wrong password is refused 150 ms later than an unknown email",
    "no_challenge_on_401": "401 answers carry no WWW-Authenticate",
}
# The secret a server with ``placeholder_jwt_secret`` signs with: a variable name, quoted.
PLACEHOLDER_SECRET = "process.env.JWT_KEY"
# flag -> the check that must fail on a server with that one fault; the first is a bug the
# suite let through, its check named as the issue asks for it.
MUTANTS = {
    "account_names_other_user": "token_account_names_the_signed_in_user",
    "inactive_gets_tokens": "inactive_account_gets_403",
    "reworded_401": "incorrect_credentials_get_401",
    "expires_in_is_lifetime": "expires_in_matches_access_exp",
    "placeholder_jwt_secret": "token_secret_is_not_a_known_weak_one",
    "answer_has_password_hash": "answers_hold_no_password_material",
    "operator_matching": "operator_objects_log_nobody_in",
}


def credentials(auth_key: str = AUTH_KEY) -> dict[str, Any]:
    """The ``duktig`` section of a credentials file for an instance keyed with ``auth_key``."""
    return {
        "authKey": auth_key,
        "users": [{"email": a.email, "password": a.password} for a in _ACCOUNTS if a.active],
        "inactiveUsers": [
            {"email": a.email, "password": a.password} for a in _ACCOUNTS if not a.active
        ],
    }


def _status_error(status: int, message: str) -> Reply:
    if status == 404:
        message = "Resource not found"
    return Reply(status, {"status": "error", "message": message})


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()


def _django_hash(password: str) -> str:
    """The password as Django would store it: ``pbkdf2_sha256$rounds$salt$hash``."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), 1000)
    return f"pbkdf2_sha256$1000${salt}${base64.b64encode(digest).decode('ascii')}"


class _Directory:
    def __init__(self, flags: frozenset[str], auth_key: str) -> None:
        self.flags = flags
        self.auth_key = auth_key.encode("utf-8")
        self.secret = secrets.token_urlsafe(32)
        if "placeholder_jwt_secret" in flags:
            self.secret = PLACEHOLDER_SECRET
        self.lock = threading.Lock()
        self.accounts = {
            a.email: _Account(**{**a.__dict__, "password": _digest(a.password).hex()})
            for a in _ACCOUNTS
        }

    def find(self, email: Any) -> _Account | None:
        """The account with ``email``; the mutant reads it as a query, oldest match first."""
        if "operator_matching" in self.flags:
            return next((a for a in self.accounts.values() if _matches(email, a.email)), None)
        return self.accounts.get(email)

    def unauthorized(self, body: dict[str, str]) -> Reply:
        headers = {} if "no_challenge_on_401" in self.flags else CHALLENGE
        return Reply(401, body, headers)

    def key_ok(self, request: Request) -> bool:
        given = request.headers.get("x-auth-key", "").encode("utf-8")
        return hmac.compare_digest(given, self.auth_key)

    def tokens(self, account: _Account) -> dict[str, Any]:
        named = account
        if "account_names_other_user" in self.flags:
            named = next(a for a in self.accounts.values() if a.email != account.email)
        now = int(time.time())
        base = {
            "iss": "independent.duktig.iss",
            "aud": "independent.duktig.aud",
            "sub": "independent.duktig.sub",
            "nbf": now,
            "iat": now,
        }
        access = {
            **base,
            "jti": uuid.uuid4().hex,
            "exp": now + ACCESS_SECONDS,
            "account": {
                "userId": named.user_id,
                "firstName": named.first,
                "lastName": named.last,
                "email": named.email,
                "roleId": named.role,
            },
        }
        refresh = {
            **base,
            "jti": uuid.uuid4().hex,
            "exp": now + REFRESH_SECONDS,
            "account": {"userId": named.user_id},
        }
        headers = {"cty": "JWT"}
        expires = ACCESS_SECONDS if "expires_in_is_lifetime" in self.flags else access["exp"]
        return {
            "access_token": jwt.encode(access, self.secret, algorithm="HS256", headers=headers),
            "expires_in": expires,
            "refresh_token": jwt.encode(refresh, self.secret, algorithm="HS256", headers=headers),
        }


def _matches(query: Any, value: str) -> bool:
    """``value`` against a Mongo-style query: a string, a list (any of) or an operator."""
    if isinstance(query, list):
        return value in query
    if isinstance(query, dict):
        ops = {"$ne": lambda q: value != q, "$gt": lambda q: q is not None and value > q}
        ops["$regex"] = lambda q: re.search(q, value) is not None
        return all(op in ops and ops[op](q) for op, q in query.items())
    return value == query


def _problems(body: Any, flags: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Seed 004's 422 map for ``body``; empty when it is a well-formed request."""
    fields = body if isinstance(body, dict) else {}
    found: dict[str, list[str]] = {}
    email, password = fields.get("email"), fields.get("password")
    if "operator_matching" in flags and isinstance(email, dict | list):
        pass  # the query builder's to read
    elif email is None or email == "":
        found["email"] = [REQUIRED]
    elif not isinstance(email, str) or len(email) > 254 or not EMAIL_SHAPE.match(email):
        found["email"] = [BAD_EMAIL]
    if password is None or password == "":
        found["password"] = [REQUIRED]
    elif not isinstance(password, str) or not 6 <= len(password) <= 256:
        found["password"] = [WEAK_PASSWORD]
    if not isinstance(body, dict) or set(body) != {"email", "password"}:
        found["account"] = [EXACT_KEYS]
    return found


def _handler(directory: _Directory) -> Callable[[Request], Reply]:
    def token(request: Request) -> Reply:
        if not directory.key_ok(request):
            return _status_error(403, "Access denied")
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return Reply(400, NOT_JSON)
        problems = _problems(body, directory.flags)
        if problems:
            return Reply(422, problems)
        with directory.lock:
            account = directory.find(body["email"])
            if account is None and "tells_unknown_email" in directory.flags:
                return directory.unauthorized(INCORRECT_EMAIL)
            if account is None or not hmac.compare_digest(
                _digest(body["password"]).hex(), account.password
            ):
                if account is not None and "slow_wrong_password" in directory.flags:
                    time.sleep(SLOW_SECONDS)  # a slow hash, run only for known accounts
                return directory.unauthorized(
                    REWORDED if "reworded_401" in directory.flags else INCORRECT
                )
            if not account.active and "inactive_gets_tokens" not in directory.flags:
                return Reply(403, INACTIVE)
            previous = account.last_login
            account.last_login = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        answer = {
            "status": "OK",
            "message": "Signed in successfully",
            "lastLogin": previous,
            **directory.tokens(account),
        }
        if "omits_last_login" in directory.flags:
            del answer["lastLogin"]
        if "answer_has_password_hash" in directory.flags:
            answer["account"] = {"email": account.email, "password": _django_hash(body["password"])}
        return Reply(200, answer, NO_STORE)

    return token


def serve(
    port: int = 0, flags: Iterable[str] = (), auth_key: str = AUTH_KEY
) -> tuple[str, Callable[[], None]]:
    """Start a fresh instance (nobody has signed in yet); ``flags`` pick faults from FLAGS."""
    chosen = frozenset(flags)
    unknown = chosen - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown Duktig flags {sorted(unknown)}")
    directory = _Directory(chosen, auth_key)
    routes = {("POST", TOKEN): _handler(directory)}
    methods = None
    if "only_post" in chosen:
        methods = frozenset({"POST"})
    if "query_crashes" in chosen:  # the method reaches code that was never meant for it
        methods = frozenset({"POST", "QUERY"})
        routes[("QUERY", TOKEN)] = lambda _request: _status_error(500, "Internal Server Error")
    return serve_app(App(routes, _status_error, methods=methods), port)
