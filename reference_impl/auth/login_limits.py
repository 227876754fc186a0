"""Failed password logins slow the next try on that account and address; they never lock it.

A project decision (the documents name no limit), in the spirit of OWASP ASVS V2.2:
each system (``user_api``, ``duktig``) counts failures per account and per client
address separately. Up to ``per_account`` (``per_address``) failures within
``window`` seconds are free. Past that, one try is let through per delay, and each
further failure doubles the delay, from ``first_delay`` up to ``max_delay``; a try
that comes early is answered 429 with ``Retry-After`` before any password is hashed.
The owner of an account an attacker is guessing at waits at most ``max_delay`` and is
then judged like anyone else; a success clears the account's count.

A try is *reserved* atomically before its password is hashed and counts as in flight
until it ends, so a burst of concurrent logins cannot pass the check together: below
the limit at most ``limit - failures`` tries run at once, past it exactly one.

Counts live in each worker's memory, at most ``MAX_TRACKED`` keys. When full, the key
touched longest ago that holds nothing back (no try in flight, no delay running) is
forgotten, so failures on other keys cannot flush a delayed account; only past
``HARD_CAP`` keys (an attacker who delayed that many) does the oldest go regardless.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reference_impl.http.errors import TooManyRequests

if TYPE_CHECKING:
    from reference_impl.systems.services import Services

__all__ = [
    "DEFAULT_LIMITS",
    "HARD_CAP",
    "MAX_TRACKED",
    "Attempt",
    "FailedLogins",
    "LoginLimits",
    "client_address",
    "limiter_of",
]

# Keys (accounts plus addresses) remembered per worker: about 200 bytes each.
MAX_TRACKED = 10_000
# Past this many keys holding a delay, the oldest is forgotten anyway (memory wins).
HARD_CAP = 10 * MAX_TRACKED

Key = tuple[str, str, str]  # (system, "account" | "address", value)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Free failures per window (0 turns that key off) and the delay that follows them."""

    per_account: int = 100
    per_address: int = 10_000
    window: int = 600
    first_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, over: int) -> float:
        """Seconds before the next try once ``over`` (>= 1) failures passed the limit."""
        return min(self.first_delay * 2 ** min(over - 1, 30), self.max_delay)


# High enough that conformance runs (a few dozen failures per account) and load runs
# (no failures by design) never meet them; ``authconform serve`` options change them.
DEFAULT_LIMITS = LoginLimits()


@dataclass(slots=True)
class _Count:
    failures: int = 0
    last_failure: float = 0.0
    in_flight: int = 0
    not_before: float = 0.0
    limit: int = 0

    def holds(self, now: float, window: float) -> bool:
        """True while forgetting this key would let someone skip a wait or a reservation."""
        past_limit = self.failures >= self.limit and now < self.last_failure + window
        return self.in_flight > 0 or now < self.not_before or past_limit


@dataclass(slots=True)
class Attempt:
    """One reserved try; the handler says how it ended (an exception ends it unjudged)."""

    keys: list[tuple[Key, int]]
    outcome: bool | None = field(default=None)

    def failed(self) -> None:
        self.outcome = False

    def succeeded(self) -> None:
        self.outcome = True


class FailedLogins:
    """Per-key failure counts with reservations and progressive delays; thread-safe."""

    def __init__(
        self,
        limits: LoginLimits = DEFAULT_LIMITS,
        *,
        clock: Callable[[], float] = time.time,
        max_tracked: int = MAX_TRACKED,
        hard_cap: int = HARD_CAP,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._max_tracked = max_tracked
        self._hard_cap = max(hard_cap, max_tracked)
        self._counts: OrderedDict[Key, _Count] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    @contextmanager
    def attempt(self, system: str, account: str, address: str) -> Iterator[Attempt]:
        """Reserve a try (or raise 429 with ``Retry-After``); record its outcome on exit."""
        reserved = self.reserve(system, account, address)
        try:
            yield reserved
        finally:
            self.release(reserved)

    def reserve(self, system: str, account: str, address: str) -> Attempt:
        now = self._clock()
        keys = self._keys(system, account, address)
        with self._lock:
            wait = max((self._wait(key, limit, now) for key, limit in keys), default=0.0)
            if wait > 0:
                raise TooManyRequests(
                    "Too many failed logins; try again later.",
                    headers=[("Retry-After", str(max(1, math.ceil(wait))))],
                )
            for key, limit in keys:
                count = self._touch(key, now)
                count.limit = limit
                count.in_flight += 1
                if count.failures >= limit:
                    # Past the limit one try runs per delay: hold the others back until it ends.
                    count.not_before = math.inf
        return Attempt(keys)

    def release(self, attempt: Attempt) -> None:
        now = self._clock()
        with self._lock:
            for key, limit in attempt.keys:
                count = self._touch(key, now)
                count.in_flight = max(0, count.in_flight - 1)
                if attempt.outcome is False:
                    count.failures += 1
                    count.last_failure = now
                elif attempt.outcome is True and key[1] == "account":
                    count.failures = 0
                over = count.failures - limit + 1 if count.failures >= limit else 0
                count.not_before = now + self.limits.delay(over) if over > 0 else 0.0
            self._evict(now)

    def _keys(self, system: str, account: str, address: str) -> list[tuple[Key, int]]:
        pairs = [
            ((system, "account", account.lower()), self.limits.per_account),
            ((system, "address", address), self.limits.per_address),
        ]
        return [(key, limit) for key, limit in pairs if limit > 0]

    def _touch(self, key: Key, now: float) -> _Count:
        count = self._counts.pop(key, None) or _Count()
        if count.failures and now >= count.last_failure + self.limits.window:
            count.failures = 0  # the window since the last failure is over
        self._counts[key] = count
        return count

    def _wait(self, key: Key, limit: int, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        count = self._counts.get(key)
        if count is None:
            return 0.0
        if not count.in_flight and now >= count.last_failure + self.limits.window:
            return 0.0
        if count.failures + count.in_flight < limit and now >= count.not_before:
            return 0.0
        if count.failures >= limit and count.in_flight == 0 and now >= count.not_before:
            return 0.0
        if count.not_before == math.inf or count.in_flight:
            return self.limits.first_delay  # a try is running: ask again shortly
        return count.not_before - now

    def _evict(self, now: float) -> None:
        while len(self._counts) > self._max_tracked:
            for key, count in self._counts.items():
                if not count.holds(now, self.limits.window):
                    del self._counts[key]
                    break
            else:
                if len(self._counts) <= self._hard_cap:
                    return
                self._counts.popitem(last=False)


def limiter_of(services: Services) -> FailedLogins:
    """The app's shared counter: the ``login_limiter`` option, else one with the defaults."""
    return services.component("login_limiter", lambda s: FailedLogins(clock=s.clock))


def client_address(environ: dict[str, Any]) -> str:
    """The peer address the WSGI server reports (no proxy headers are trusted)."""
    return str(environ.get("REMOTE_ADDR") or "")
