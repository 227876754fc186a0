"""What every handler receives besides the request: the store, the clock, replaceable parts.

Components are looked up by name: a ``create_app`` option of that name wins
(that is how tests build broken variants), otherwise the system module's
builder runs once, lazily, so it runs inside each worker after the server forks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from reference_impl.auth.passwords import OWASP, ScryptCost
from reference_impl.store import Store

__all__ = ["Clock", "Services"]

T = TypeVar("T")
Clock = Callable[[], float]


class Services:
    """Shared by all requests of one app; thread-safe."""

    def __init__(
        self, store: Store, *, clock: Clock = time.time, options: Mapping[str, Any] | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.options = dict(options or {})
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def password_cost(self) -> ScryptCost:
        """The scrypt cost new password hashes get (``create_app(password_cost=...)``)."""
        return self.options.get("password_cost", OWASP)

    def component(self, name: str, build: Callable[[Services], T]) -> T:
        """``options[name]`` when the app was given one, else ``build(self)``, built once."""
        if name in self.options:
            return self.options[name]
        try:
            return self._built[name]
        except KeyError:
            pass
        with self._lock:
            if name not in self._built:
                self._built[name] = build(self)
            return self._built[name]
