"""Shape checks for load-test responses, kept free of Locust so tests can call them directly.

Each function returns ``None`` for an acceptable response or a short reason, which the
scenario passes to ``response.failure()`` so the Locust failures table says what went wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "duktig_token_problem",
    "fib_logout_problem",
    "fib_token_pair_problem",
    "jwt_shape_problem",
    "user_api_answer_problem",
]

# Three base64url segments; the signature segment may not be empty for EdDSA tokens.
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Long enough to name the problem in the failures table, short enough to group repeats.
_EXCERPT = 80


def _excerpt(content: bytes) -> str:
    text = content[:_EXCERPT].decode("utf-8", "replace")
    return text + ("..." if len(content) > _EXCERPT else "")


def _parse(status: int, content: bytes) -> tuple[Any, str | None]:
    if status != 200:
        return None, f"HTTP {status}: {_excerpt(content)}"
    try:
        return json.loads(content), None
    except ValueError:
        return None, f"200 with a body that is not JSON: {_excerpt(content)}"


def jwt_shape_problem(field: str, value: object) -> str | None:
    """A token must be a compact JWS: three base64url segments joined by dots."""
    if not isinstance(value, str):
        return f"{field} is {type(value).__name__}, not a string"
    if not _JWT.fullmatch(value):
        return f"{field} is not a compact JWT: {value[:40]!r}"
    return None


def _object(status: int, content: bytes) -> tuple[Any, str | None]:
    body, problem = _parse(status, content)
    if not problem and not isinstance(body, dict):
        return None, f"body is {type(body).__name__}, not an object"
    return body, problem


def _fib_enveloped(status: int, content: bytes) -> tuple[Any, str | None]:
    """The parsed body of a FIB 200 whose envelope says code 200, or the reason it is not."""
    body, problem = _object(status, content)
    if problem:
        return None, problem
    envelope = body.get("status")
    if not isinstance(envelope, dict) or envelope.get("code") != 200:
        return None, f"status is {envelope!r}, expected an object with code 200"
    return body, None


def _integer_problem(field: str, value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{field} is {value!r}, expected an integer"
    return None


def _first_problem(*problems: str | None) -> str | None:
    return next((p for p in problems if p), None)


def fib_token_pair_problem(status: int, content: bytes) -> str | None:
    """A FIB login or refresh answer: 200, envelope code 200, two JWTs, an integer lifetime."""
    body, problem = _fib_enveloped(status, content)
    if problem:
        return problem
    data = body.get("data")
    if not isinstance(data, dict):
        return f"data is {data!r}, expected an object"
    return _first_problem(
        jwt_shape_problem("accessToken", data.get("accessToken")),
        jwt_shape_problem("refreshToken", data.get("refreshToken")),
        _integer_problem("expirationTime", data.get("expirationTime")),
    )


def fib_logout_problem(status: int, content: bytes) -> str | None:
    """A FIB logout answer: 200 with the envelope and an empty ``data`` object."""
    body, problem = _fib_enveloped(status, content)
    if problem:
        return problem
    if body.get("data") != {}:
        return f"data is {body.get('data')!r}, expected {{}}"
    return None


def user_api_answer_problem(status: int, content: bytes) -> str | None:
    """A User API login or signup answer: 200 with userId, email, userName and a JWT token."""
    body, problem = _object(status, content)
    if problem:
        return problem
    fields = ("userId", "email", "userName")
    missing = [f for f in fields if not isinstance(body.get(f), str) or not body.get(f)]
    if missing:
        return f"missing or empty: {', '.join(missing)}"
    return jwt_shape_problem("token", body.get("token"))


def duktig_token_problem(status: int, content: bytes) -> str | None:
    """A Duktig sign-in answer: 200, status "OK", two JWTs, an integer ``expires_in``."""
    body, problem = _object(status, content)
    if problem:
        return problem
    if body.get("status") != "OK":
        return f"status is {body.get('status')!r}, expected 'OK'"
    return _first_problem(
        jwt_shape_problem("access_token", body.get("access_token")),
        jwt_shape_problem("refresh_token", body.get("refresh_token")),
        _integer_problem("expires_in", body.get("expires_in")),
    )
