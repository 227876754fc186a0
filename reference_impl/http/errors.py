"""HTTP errors a handler raises; each system module decides how they look on the wire.

Hierarchy::

    HTTPError                 (code, reason, message, headers, detail)
     ├── BadRequest            400  body unreadable or fields of the wrong shape
     ├── Unauthorized          401  token or credentials refused (adds WWW-Authenticate)
     ├── Forbidden             403  known caller, not allowed (e.g. inactive account)
     ├── NotFound              404  no such path, or no such user
     ├── MethodNotAllowed      405  known path, other method (adds Allow)
     ├── RequestTimeout        408  the body did not arrive within the server's deadline
     ├── Conflict              409  the resource already exists
     ├── PayloadTooLarge       413  body over the size limit
     ├── UnsupportedMediaType  415  body is not application/json
     ├── UnprocessableEntity   422  well-formed but unusable (bad hex, bad signature)
     ├── TooManyRequests       429  too many failed logins (carries Retry-After)
     └── InternalServerError   500  only ever raised by the app's last-resort handler

A system module renders them with its own ``render_error(err) -> Response``;
``render_envelope`` is the FIB shape, also used for paths no system owns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from reference_impl.http.messages import Response, json_response

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "HTTPError",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "render_envelope",
]


class HTTPError(Exception):
    """Base: a status, a one-sentence message, extra headers, and optional system detail.

    ``detail`` carries whatever a system's renderer needs beyond the message
    (Duktig's per-field 422 map, a User API error code); renderers that do not
    know it ignore it.
    """

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "Internal Server Error"
    default_message: ClassVar[str] = "The server could not complete the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Iterable[tuple[str, str]] = (),
        detail: Any = None,
    ) -> None:
        self.message = message or self.default_message
        self.headers = list(headers)
        self.detail = detail
        super().__init__(self.message)

    @property
    def slug(self) -> str:
        """The reason as snake_case (``"Not Found"`` -> ``"not_found"``), for code-style bodies."""
        return re.sub(r"[^a-z0-9]+", "_", self.reason.lower()).strip("_")


class BadRequest(HTTPError):
    code, reason = 400, "Bad Request"
    default_message = "The request body is malformed."


class Unauthorized(HTTPError):
    code, reason = 401, "Unauthorized"
    default_message = "A valid token is required."

    def __init__(self, message: str | None = None, *, challenge: str | None = "Bearer", **kw: Any):
        super().__init__(message, **kw)
        if challenge:
            self.headers.append(("WWW-Authenticate", challenge))


class Forbidden(HTTPError):
    code, reason = 403, "Forbidden"
    default_message = "Access to this resource is not allowed."


class NotFound(HTTPError):
    code, reason = 404, "Not Found"
    default_message = "The requested resource does not exist."


class MethodNotAllowed(HTTPError):
    code, reason = 405, "Method Not Allowed"

    def __init__(self, allowed: Iterable[str], message: str | None = None, **kw: Any) -> None:
        self.allowed = sorted(set(allowed))
        allow = ", ".join(self.allowed)
        super().__init__(message or f"This path accepts only: {allow}.", **kw)
        self.headers.append(("Allow", allow))


class Conflict(HTTPError):
    code, reason = 409, "Conflict"
    default_message = "The resource already exists."


class PayloadTooLarge(HTTPError):
    code, reason = 413, "Payload Too Large"
    default_message = "The request body is larger than the server accepts."


class RequestTimeout(HTTPError):
    code, reason = 408, "Request Timeout"
    default_message = "The request body did not arrive in time."


class UnsupportedMediaType(HTTPError):
    code, reason = 415, "Unsupported Media Type"
    default_message = "The request body must be application/json."


class UnprocessableEntity(HTTPError):
    code, reason = 422, "Unprocessable Entity"
    default_message = "The request could not be processed."


class TooManyRequests(HTTPError):
    code, reason = 429, "Too Many Requests"
    default_message = "Too many requests; try again later."


class InternalServerError(HTTPError):
    code, reason = 500, "Internal Server Error"
    default_message = "The server hit an unexpected error."


def render_envelope(err: HTTPError) -> Response:
    """FIB's status envelope with ``data: null``: the shape for FIB and for unowned paths."""
    body = {"status": {"code": err.code, "name": err.reason, "message": err.message}, "data": None}
    return json_response(err.code, body, headers=err.headers)
