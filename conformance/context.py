"""What a check sees of the target: an HTTP client that keeps evidence, and the run's inputs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

import httpx

from conformance.registry import CheckFailure

__all__ = ["Context", "Exchange"]

# Evidence is for humans: long bodies are cut so a report stays readable.
EVIDENCE_BODY_LIMIT = 2000


def _clip(text: str) -> str:
    if len(text) <= EVIDENCE_BODY_LIMIT:
        return text
    return f"{text[:EVIDENCE_BODY_LIMIT]}… ({len(text)} characters in all)"


@dataclass
class Exchange:
    """One request and the response to it, kept as evidence for a failure."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str

    @classmethod
    def from_response(cls, response: httpx.Response) -> Exchange:
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=dict(request.headers),
            request_body=request.content.decode("utf-8", "replace"),
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.text,
        )

    def render(self) -> str:
        """The exchange as a short HTTP transcript, bodies clipped."""
        lines = [f"> {self.method} {self.url}"]
        for name in ("content-type", "authorization", "x-auth-key"):
            if name in self.request_headers:
                lines.append(f"> {name}: {self.request_headers[name]}")
        if self.request_body:
            lines.append(f"> {_clip(self.request_body)}")
        lines.append(f"< {self.status}")
        if self.response_body:
            lines.append(f"< {_clip(self.response_body)}")
        return "\n".join(lines)


@dataclass
class Context:
    """A run's view of one system on one target.

    ``credentials`` is that system's section of the credentials file (or None);
    ``options`` holds run switches such as ``lifecycle`` or ``jwks_url``;
    ``cache`` lets checks share costly results (a fresh login) within one run.
    """

    base_url: str
    system: str
    client: httpx.Client
    spec: dict[str, Any]
    credentials: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    last: Exchange | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request to the target and keep it as the evidence of record.

        A transport error (refused, timed out) is a failure of the target, with the
        request that provoked it.
        """
        url = self.base_url.rstrip("/") + path
        try:
            if json_body is not None:
                response = self.client.request(method, url, json=json_body, headers=headers)
            else:
                response = self.client.request(method, url, content=content, headers=headers)
        except httpx.TransportError as exc:
            body = json.dumps(json_body) if json_body is not None else str(content or "")
            self.last = Exchange(method, url, dict(headers or {}), body, None, {}, "")
            self.fail(
                f"no HTTP answer to {method} {path}",
                received=f"{type(exc).__name__}: {exc}",
                documented="an HTTP response",
                hint="the server hung up or timed out on this request",
            )
        self.last = Exchange.from_response(response)
        return response

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def fail(
        self,
        title: str,
        *,
        received: str | None = None,
        documented: str | None = None,
        hint: str | None = None,
    ) -> NoReturn:
        """Raise a :class:`CheckFailure` carrying the last exchange as evidence."""
        raise CheckFailure(
            title, received=received, documented=documented, hint=hint, exchange=self.last
        )

    def json_of(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a failure saying it was not JSON."""
        try:
            return response.json()
        except ValueError:
            self.fail(
                "response body is not JSON",
                received=_clip(response.text) or "(empty body)",
                documented="a JSON body",
            )
