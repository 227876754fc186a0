"""Failed password logins counted per account and per client address; past a limit, 429.

A project decision (the documents name no limit): after ``per_account`` failed logins
for one email, or ``per_address`` from one address, within ``window`` seconds, further
logins there are answered 429 with ``Retry-After`` until the window ends, before any
password is hashed. A successful login clears its account's count. Counts live in each
worker process's memory, at most ``MAX_TRACKED`` keys (the oldest are forgotten first),
so the limit is per worker and memory stays bounded whatever the clients send.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reference_impl.http.errors import TooManyRequests

if TYPE_CHECKING:
    from reference_impl.systems.services import Services

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_TRACKED",
    "FailedLogins",
    "LoginLimits",
    "client_address",
    "limiter_of",
]

# Keys (accounts plus addresses) remembered per worker: about 100 bytes each.
MAX_TRACKED = 10_000


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failures allowed per window; 0 turns that limit off."""

    per_account: int = 100
    per_address: int = 10_000
    window: int = 600


# High enough that conformance runs (a few dozen failures per account) and load runs
# (no failures by design) never meet them; ``authconform serve`` options change them.
DEFAULT_LIMITS = LoginLimits()


class FailedLogins:
    """Fixed-window failure counters keyed by account and address; thread-safe."""

    def __init__(
        self,
        limits: LoginLimits = DEFAULT_LIMITS,
        *,
        clock: Callable[[], float] = time.time,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._max_tracked = max_tracked
        self._counts: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def check(self, account: str, address: str) -> None:
        """Raise ``TooManyRequests`` (429, Retry-After) if either limit is used up."""
        now = self._clock()
        waits = [
            self._wait(key, limit, now)
            for key, limit in self._keys(account, address)
            if limit > 0
        ]
        wait = max(waits, default=0)
        if wait > 0:
            raise TooManyRequests(
                "Too many failed logins; try again later.",
                headers=[("Retry-After", str(wait))],
            )

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key, limit in self._keys(account, address):
                if limit <= 0:
                    continue
                start, count = self._counts.pop(key, (now, 0))
                if now >= start + self.limits.window:
                    start, count = now, 0
                self._counts[key] = (start, count + 1)
            while len(self._counts) > self._max_tracked:
                self._counts.popitem(last=False)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._counts.pop(("account", account.lower()), None)

    def _keys(self, account: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [
            (("account", account.lower()), self.limits.per_account),
            (("address", address), self.limits.per_address),
        ]

    def _wait(self, key: tuple[str, str], limit: int, now: float) -> int:
        """Seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            start, count = self._counts.get(key, (now, 0))
        end = start + self.limits.window
        if count < limit or now >= end:
            return 0
        return max(1, math.ceil(end - now))


def limiter_of(services: Services) -> FailedLogins:
    """The app's shared counter: the ``login_limiter`` option, else one with the defaults."""
    return services.component("login_limiter", lambda s: FailedLogins(clock=s.clock))


def client_address(environ: dict[str, Any]) -> str:
    """The peer address the WSGI server reports (no proxy headers are trusted)."""
    return str(environ.get("REMOTE_ADDR") or "")
