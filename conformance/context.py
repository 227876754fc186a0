"""What a check sees of the target: an HTTP client that keeps evidence, and the run's inputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qsl

import httpx

from conformance.httpbound import BoundedClient, ResponseTooLarge, describe, safe_json
from conformance.masking import mask_body, mask_header, token_values
from conformance.registry import CheckFailure

__all__ = ["Context", "Exchange", "nothing_to_judge"]

# Evidence is for humans: long bodies are cut so a report stays readable.
EVIDENCE_BODY_LIMIT = 2000


def _clip(text: str) -> str:
    if len(text) <= EVIDENCE_BODY_LIMIT:
        return text
    return f"{text[:EVIDENCE_BODY_LIMIT]}… ({len(text)} characters in all)"


def _as_is(name: str, value: str) -> str:
    return value


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

    def render(self, *, masked: bool = True) -> str:
        """The exchange as a short HTTP transcript, bodies clipped, secrets masked (unless
        ``masked`` is False: ``--show-secrets``)."""
        header = mask_header if masked else _as_is
        body = mask_body if masked else str
        lines = [f"> {self.method} {self.url}"]
        sent = {k.lower(): v for k, v in self.request_headers.items()}
        for name in ("content-type", "authorization", "x-auth-key"):
            if name in sent:
                lines.append(f"> {name}: {header(name, sent[name])}")
        if self.request_body:
            lines.append(f"> {_clip(body(self.request_body))}")
        lines.append(f"< {self.status}" if self.status is not None else "< (no answer)")
        answered = {k.lower(): v for k, v in self.response_headers.items()}
        for name in ("content-type", "location"):
            if name in answered:
                lines.append(f"< {name}: {answered[name]}")
        if self.response_body:
            lines.append(f"< {_clip(body(self.response_body))}")
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
    client: BoundedClient
    spec: dict[str, Any]
    credentials: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    last: Exchange | None = None
    # (status, content type) of every answer the current check received: a check that
    # saw only redirects or HTML pages had nothing to judge, whatever it concluded.
    answers: list[tuple[int, str]] = field(default_factory=list)
    # Told every token and signature sent or received, so evidence masks them by value.
    learn: Callable[[Iterable[str]], None] | None = None
    show_secrets: bool = False  # evidence rendered in clear (local debugging only)

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
        if self.learn is not None:
            sent = json_body if json_body is not None else _sent_fields(content)
            self.learn(token_values(headers or {}, sent))
        try:
            response = self.client.request(
                method, url, json=json_body, content=content, headers=headers
            )
        except ResponseTooLarge as exc:
            self.last = Exchange.from_response(exc.response)
            self.answers.append(_answer_kind(exc.response))
            self.fail(
                f"answer to {method} {path} is larger than {self.client.max_bytes} bytes",
                received="a body cut off at the limit (its start is in the evidence)",
                documented="a small JSON body",
                hint="raise --max-response-bytes if such answers are expected",
            )
        except httpx.RequestError as exc:
            body = json.dumps(json_body) if json_body is not None else _text(content)
            self.last = Exchange(method, url, dict(headers or {}), body, None, {}, "")
            self.fail(
                f"no HTTP answer to {method} {path}",
                received=describe(exc),
                documented="an HTTP response",
                hint="the server hung up, broke HTTP or did not answer in time",
            )
        self.last = Exchange.from_response(response)
        self.answers.append(_answer_kind(response))
        if self.learn is not None:
            self.learn(token_values(dict(response.headers), _json_or_none(response)))
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
            return safe_json(response.content)
        except ValueError as exc:
            self.fail(
                "response body is not JSON",
                received=f"{exc}: {_clip(response.text)}" if response.content else "(empty body)",
                documented="a JSON body",
            )


def _sent_fields(content: bytes | str | None) -> Any:
    """A raw body's fields, JSON or form-encoded, so the tokens in it are learned too."""
    text = _text(content)
    try:
        return safe_json(text)
    except ValueError:
        return dict(parse_qsl(text))


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return safe_json(response.content)
    except ValueError:
        return None


def _text(content: bytes | str | None) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return content or ""


def _answer_kind(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.headers.get("content-type", "").lower()


def nothing_to_judge(answers: list[tuple[int, str]]) -> str | None:
    """Why a check's answers offered nothing to judge (all redirects or HTML), else None."""
    if not answers:
        return None
    if all(300 <= status < 400 for status, _ in answers):
        return f"the target answered every request with a redirect ({answers[0][0]})"
    if all(300 <= status < 400 or "html" in kind for status, kind in answers):
        return "the target answered only with redirects or HTML pages, not the API"
    return None
