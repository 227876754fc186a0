"""What a check sees of the target: an HTTP client that keeps evidence, and the run's inputs."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qsl

import httpx

from conformance.engine.bounded import BoundedClient, ResponseTooLarge, describe, safe_json
from conformance.engine.evidence import clip
from conformance.engine.invent import SHARED_SCOPE, Inventor, new_run_tag, new_seed
from conformance.engine.masking import token_values
from conformance.engine.settings import Settings
from conformance.model import (
    CheckBlocked,
    CheckFailure,
    Exchange,
    ServerError,
    unimplemented_method,
)

# Exchange stays importable from here for the check modules that import it with Context.
__all__ = ["EXCHANGE_OBSERVERS", "Context", "Exchange", "nothing_to_judge"]

# fix loop: called with (system, exchange) for every answer a check receives (coverage).
EXCHANGE_OBSERVERS: list[Callable[[str, Exchange], None]] = []
# fix loop: how many recent exchanges a context keeps, to rebuild a failure's request chain,
# and the largest answer kept (tokens come in small answers; this bounds the memory).
HISTORY_LENGTH = 64
HISTORY_BODY_LIMIT = 16 * 1024


@dataclass
class Context:
    """A run's view of one system on one target.

    ``credentials`` is that system's section of the credentials file (or None);
    ``settings`` holds the run's switches such as ``lifecycle`` or ``jwks_url``;
    ``cache`` lets checks share costly results (a fresh login) within one run.
    """

    base_url: str
    system: str
    client: BoundedClient
    spec: dict[str, Any]
    credentials: dict[str, Any] | None = None
    settings: Settings = field(default_factory=Settings)
    cache: dict[str, Any] = field(default_factory=dict)
    last: Exchange | None = None
    # (status, content type) of every answer the current check received: a check that
    # saw only redirects or HTML pages had nothing to judge, whatever it concluded.
    answers: list[tuple[int, str]] = field(default_factory=list)
    check_name: str = ""  # the check now running
    # outcome of every check already run on this system, by name (prerequisites look here)
    verdicts: dict[str, str] = field(default_factory=dict)
    # "METHOD /path" -> the 5xx answers it drew, whichever check sent it (RFC 9110 §15.6)
    server_errors: dict[str, ServerError] = field(default_factory=dict)
    # fix loop: the recent exchanges of this system, oldest first (see reproduce.py).
    history: list[Exchange] = field(default_factory=list)
    # Told every token and signature sent or received, so evidence masks them by value.
    learn: Callable[[Iterable[str]], None] | None = None
    # Told each password the suite invents for a throwaway account: nobody's secret, so the
    # reproducer that signs that account up stays runnable (never learned as a secret).
    invented: Callable[[str], None] | None = None
    # Every value a check invents comes from here, drawn from the run's seed and tag.
    invent: Inventor = field(init=False)

    def __post_init__(self) -> None:
        seed = self.settings.seed if self.settings.seed is not None else new_seed()
        self.invent = Inventor(seed, self.settings.run_tag or new_run_tag(), self.system)

    def throwaway(self, value: str) -> str:
        """``value``, recorded as invented for a throwaway account (see ``invented``)."""
        if self.invented is not None:
            self.invented(value)
        return value

    def rng(self, purpose: str, *, shared: bool = False) -> random.Random:
        """A generator for one value this check invents (``shared``: one all checks use)."""
        return self.invent.rng(SHARED_SCOPE if shared else self.check_name, purpose)

    @property
    def show_secrets(self) -> bool:
        """Evidence rendered in clear (``--show-secrets``, local debugging only)."""
        return self.settings.show_secrets

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
            self._keep(self.last)
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
            self._keep(self.last)
            self.fail(
                f"no HTTP answer to {method} {path}",
                received=describe(exc),
                documented="an HTTP response",
                hint="the server hung up, broke HTTP or did not answer in time",
            )
        return self.record(method, path, response)

    def record(self, method: str, path: str, response: httpx.Response) -> httpx.Response:
        """Keep an answer as the evidence of record, as ``request`` does with its own: for
        answers a check had sent by clients of its own (concurrent requests)."""
        self.last = Exchange.from_response(response)
        self._keep(self.last)
        self.answers.append(_answer_kind(response))
        if self.learn is not None:
            self.learn(token_values(dict(response.headers), _json_or_none(response)))
        status = response.status_code
        if status >= 500 and not unimplemented_method(status, self.documents(method, path)):
            self._server_error(method, path, status)
        return response

    def documents(self, method: str, path: str) -> bool:
        """Whether the spec gives ``path`` the operation ``method`` (a 501 for one it does
        not is the server saying it lacks the method, RFC 9110 §15.6.2)."""
        item = (self.spec.get("paths") or {}).get(path.split("?", 1)[0])
        return isinstance(item, dict) and isinstance(item.get(method.lower()), dict)

    def _server_error(self, method: str, path: str, status: int) -> None:
        key = self.last.key()
        if key not in self.server_errors:
            self.server_errors[key] = ServerError(self.last, self.check_name)
        seen = self.server_errors[key]
        seen.statuses.add(status)
        seen.seen += 1

    def prerequisite_failed(
        self,
        cause: str,
        title: str,
        *,
        received: str | None = None,
        documented: str | None = None,
        hint: str | None = None,
    ) -> NoReturn:
        """A prerequisite could not be had: fail if this check names it, else be blocked by it.

        A check that already ran and passed cannot be the cause; then the failure is this
        check's own.
        """
        if self.check_name == cause or self.verdicts.get(cause) == "passed":
            self.fail(title, received=received, documented=documented, hint=hint)
        why = f"{title}" + (f" ({received})" if received else "")
        raise CheckBlocked(cause, why)

    def _keep(self, exchange: Exchange) -> None:
        """fix loop: remember the exchange for reproducers and tell the coverage observers."""
        if len(exchange.response_body) <= HISTORY_BODY_LIMIT:
            self.history = [*self.history[-(HISTORY_LENGTH - 1) :], exchange]
        for observe in EXCHANGE_OBSERVERS:
            observe(self.system, exchange)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def fail(
        self,
        title: str,
        *,
        received: str | None = None,
        documented: str | None = None,
        hint: str | None = None,
        observed: str | None = None,
    ) -> NoReturn:
        """Raise a :class:`CheckFailure` carrying the last exchange as evidence (and, when
        given, what it observed, so the same cause seen elsewhere is one fault)."""
        raise CheckFailure(
            title,
            received=received,
            documented=documented,
            hint=hint,
            exchange=self.last,
            observed=observed or None,
        )

    def json_of(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a failure saying it was not JSON."""
        try:
            return safe_json(response.content)
        except ValueError as exc:
            self.fail(
                "response body is not JSON",
                received=f"{exc}: {clip(response.text)}" if response.content else "(empty body)",
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
