"""Bounded HTTP for the checker: every request has a wall-clock deadline and a byte cap.

A target nobody vouches for may drip one byte a second, send gigabytes, nest JSON a
hundred thousand deep, or stop answering half-way. httpx bounds each socket read, not a
whole request, so the deadline is enforced one level down, in the network streams
httpcore reads from: each read gets at most the time left. Bodies are streamed and
reading stops at the cap. The run as a whole has a :class:`RunBudget`, and a target that
fails to answer several requests in a row ends the run instead of timing out hundreds
of times.

Exceptions raised by :meth:`BoundedClient.request`::

    httpx.TransportError        no usable answer (refused, reset, broken HTTP, deadline)
    ResponseTooLarge            an answer came, bigger than the cap (carries its start)
    RunStopped                  the run budget is spent, or the target stopped answering
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from conformance.engine.limits import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RUN_SECONDS
from conformance.errors import RunStopped
from conformance.model import NO_CONTENT_METHODS

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RUN_SECONDS",
    "MAX_CONSECUTIVE_FAILURES",
    "MAX_JSON_DEPTH",
    "BoundedClient",
    "BoundedResponse",
    "ResponseTooLarge",
    "RunBudget",
    "safe_json",
]

# Three answers missing in a row: the target is gone, not merely slow on one request.
MAX_CONSECUTIVE_FAILURES = 3
# No documented body nests more than three levels; past this a body is an attack or a bug.
MAX_JSON_DEPTH = 64


class RunBudget:
    """The wall-clock budget of one run; ``None`` seconds means unlimited."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float:
        return float("inf") if self._end is None else self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def stop_if_spent(self) -> None:
        """Raise RunStopped once the budget is used up."""
        if self.expired():
            raise RunStopped("--max-time", f"the run's budget of {self.seconds:g} s is used up")


class ResponseTooLarge(httpx.RequestError):
    """The target answered with more than the byte cap; ``response`` holds the first bytes."""

    def __init__(self, message: str, response: BoundedResponse) -> None:
        super().__init__(message, request=response.request)
        self.response = response


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if ``value`` nests lists/objects deeper than ``limit`` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def safe_json(content: bytes | str) -> Any:
    """Parse JSON from a target; anything unparseable or absurdly nested is a ValueError.

    ``json`` raises RecursionError on deep nesting: that is the target's fault and must
    look like any other bad body, not like a bug in the check reading it.
    """
    try:
        value = json.loads(content)
    except RecursionError as exc:
        raise ValueError(f"JSON nested too deep to parse (over {MAX_JSON_DEPTH} levels)") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"body is not UTF-8 ({exc.reason})") from exc
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


class BoundedResponse(httpx.Response):
    """A fully read (and capped) answer whose ``json()`` fails only with ValueError."""

    def json(self, **kwargs: Any) -> Any:
        return safe_json(self.content)


class _Deadline:
    """The end of the request in flight, shared by every stream of one client."""

    def __init__(self) -> None:
        self.at: float | None = None

    def clamp(self, timeout: float | None) -> float | None:
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the request's deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, self._deadline.clamp(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self._deadline.clamp(timeout), socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for the process: each new one reads the whole CA bundle
    (about 30 ms), and a check run opens a client per system and stage."""
    return httpx.create_ssl_context()


def _transport(deadline: _Deadline) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(verify=_tls_context())
    pool = transport._pool
    # NOTE: httpx does not expose httpcore's network_backend; the pool reads it per connection.
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpcore changed: cannot install the deadline network backend")
    pool._network_backend = _DeadlineBackend(deadline)
    return transport


class BoundedClient:
    """The checker's HTTP client: no redirects followed, a deadline and a cap per request.

    ``budget`` (optional) shortens each deadline to what is left of the run and stops the
    run once spent; ``max_failures`` answers missing in a row stop it too.
    """

    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        budget: RunBudget | None = None,
        max_failures: int | None = MAX_CONSECUTIVE_FAILURES,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.budget = budget
        self.max_failures = max_failures
        self.failures_in_a_row = 0
        self._deadline = _Deadline()
        self._client = httpx.Client(
            transport=_transport(self._deadline), timeout=timeout, follow_redirects=False
        )

    def __enter__(self) -> BoundedClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> BoundedResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> BoundedResponse:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        read_body: bool = True,
    ) -> BoundedResponse:
        """Send one request and read its answer within the deadline and the byte cap.

        Content with a method in NO_CONTENT_METHODS is a bug of the suite (RFC 9110 §9.3.8).
        """
        if method.upper() in NO_CONTENT_METHODS and (json is not None or content):
            raise ValueError(f"{method} carries no content (RFC 9110 §9.3): {url}")
        limit = self.timeout
        if self.budget is not None:
            self.budget.stop_if_spent()
            limit = min(limit, self.budget.remaining())
        self._deadline.at = time.monotonic() + limit
        try:
            response = self._exchange(method, url, json, content, headers, read_body)
        except httpx.TransportError as exc:
            exc.deadline_seconds = limit  # type: ignore[attr-defined]  # for describe()
            self.failures_in_a_row += 1
            if self.max_failures and self.failures_in_a_row >= self.max_failures:
                raise RunStopped(
                    "target",
                    f"stopped answering: {self.failures_in_a_row} requests in a row got no "
                    f"answer (last: {method} {url}: {describe(exc)})",
                ) from exc
            if self.budget is not None and self.budget.expired():
                self.budget.stop_if_spent()
            raise
        finally:
            self._deadline.at = None
        self.failures_in_a_row = 0
        return response

    def _exchange(
        self,
        method: str,
        url: str,
        json_body: Any,
        content: bytes | str | None,
        headers: dict[str, str] | None,
        read_body: bool,
    ) -> BoundedResponse:
        kwargs: dict[str, Any] = {"headers": headers}
        if json_body is not None:
            kwargs["json"] = json_body
        else:
            kwargs["content"] = content
        with self._client.stream(method, url, **kwargs) as streamed:
            body = bytearray()
            too_large = False
            if read_body:
                for chunk in streamed.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        too_large = True
                        break
            # The body is already decoded: the rebuilt answer must not decode it again. Raw
            # bytes, not str: a header byte outside ASCII (obs-text) must not raise on rebuild.
            kept = [(k, v) for k, v in streamed.headers.raw if k.lower() != b"content-encoding"]
            answer = BoundedResponse(
                streamed.status_code,
                headers=kept,
                content=bytes(body[: self.max_bytes]),
                request=streamed.request,
            )
        if too_large:
            raise ResponseTooLarge(f"answer larger than {self.max_bytes} bytes", answer)
        return answer


def describe(exc: BaseException) -> str:
    """A transport error in words: the deadline it missed, or httpx's own message."""
    if isinstance(exc, httpx.TimeoutException):
        seconds = getattr(exc, "deadline_seconds", None)
        within = f"{seconds:.3g} s" if seconds is not None else "the request deadline"
        return f"no complete answer within {within}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
