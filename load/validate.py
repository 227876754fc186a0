"""Shape checks for load-test responses, kept free of Locust so tests can call them directly.

Each function returns ``None`` for an acceptable response or a short reason, which the
scenario passes to ``response.failure()`` so the Locust failures table says what went wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["fib_logout_problem", "fib_token_pair_problem", "jwt_shape_problem"]

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


def _envelope_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return f"body is {type(body).__name__}, not an object"
    status = body.get("status")
    if not isinstance(status, dict) or status.get("code") != 200:
        return f"status is {status!r}, expected an object with code 200"
    return None


def fib_token_pair_problem(status: int, content: bytes) -> str | None:
    """A FIB login or refresh answer: 200, envelope code 200, two JWTs, an integer lifetime."""
    body, problem = _parse(status, content)
    if problem:
        return problem
    problem = _envelope_problem(body)
    if problem:
        return problem
    data = body.get("data")
    if not isinstance(data, dict):
        return f"data is {data!r}, expected an object"
    for field in ("accessToken", "refreshToken"):
        problem = jwt_shape_problem(field, data.get(field))
        if problem:
            return problem
    lifetime = data.get("expirationTime")
    if not isinstance(lifetime, int) or isinstance(lifetime, bool):
        return f"expirationTime is {lifetime!r}, expected an integer"
    return None


def fib_logout_problem(status: int, content: bytes) -> str | None:
    """A FIB logout answer: 200 with the envelope and an empty ``data`` object."""
    body, problem = _parse(status, content)
    if problem:
        return problem
    problem = _envelope_problem(body)
    if problem:
        return problem
    if body.get("data") != {}:
        return f"data is {body.get('data')!r}, expected {{}}"
    return None
