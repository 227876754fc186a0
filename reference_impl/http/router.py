"""A (method, path) -> endpoint-name table, checked when built.

Paths are exact strings (the three systems have no path parameters). A path
nobody owns is ``NotFound``; a known path with another method is
``MethodNotAllowed`` carrying the methods that path does accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from reference_impl.http.errors import MethodNotAllowed, NotFound

__all__ = ["Router", "Rule"]


class Rule(NamedTuple):
    method: str
    path: str
    endpoint: str
    # Bounded work (no password hashing, no waiting on anyone): a server may run it on
    # its event loop instead of handing it to a thread (serving.rsgi_bridge).
    quick: bool = False


class Router:
    """Immutable once built; ``match`` is a dict lookup."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._table: dict[str, dict[str, str]] = {}
        for rule in rules:
            self._add(rule)

    def _add(self, rule: Rule) -> None:
        if not rule.path.startswith("/"):
            raise ValueError(f"route path must start with '/': {rule.path!r} ({rule.endpoint})")
        method = rule.method.upper()
        if method != rule.method or not method.isalpha():
            raise ValueError(f"route method must be an upper-case HTTP method: {rule.method!r}")
        methods = self._table.setdefault(rule.path, {})
        if method in methods:
            raise ValueError(
                f"duplicate route {method} {rule.path}: "
                f"already {methods[method]!r}, refused {rule.endpoint!r}"
            )
        methods[method] = rule.endpoint

    def match(self, method: str, path: str) -> str:
        """The endpoint name for this request, or NotFound / MethodNotAllowed."""
        methods = self._table.get(path)
        if methods is None:
            raise NotFound(f"There is no resource at {path}.")
        endpoint = methods.get(method.upper())
        if endpoint is None:
            raise MethodNotAllowed(methods)
        return endpoint

    def endpoint_at(self, path: str) -> str | None:
        """Some endpoint serving ``path`` (any method), to say whose path it is."""
        methods = self._table.get(path)
        return next(iter(methods.values())) if methods else None

    def rules(self) -> list[Rule]:
        return [Rule(m, p, e) for p, ms in self._table.items() for m, e in ms.items()]
