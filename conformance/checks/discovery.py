"""Account discovery and guessing at a password login, judged one way for every system that
has one. Registers no check: each system's module registers the claims it makes, with its
level and source, and hands over a :class:`PasswordLogin` saying how its login is reached.

- **Alike answers** (OWASP ASVS 5.0 V6.3.8): an unknown email and a wrong password get the
  same status and body, so the answer does not tell a guesser which emails have accounts.
  Values that differ between two answers of the same kind (a request id, a time) are
  left out of the comparison.
- **Alike times** (the same requirement): the median times of the two, over a small
  sample sent interleaved in an order drawn from the run's seed, are not far apart. A
  warning needs both a large ratio and an absolute gap (``TIMING_RATIO``,
  ``TIMING_GAP_SECONDS``), so the jitter of a busy machine never raises one; the figures
  are in the finding either way.
- **Throttling** (OWASP ASVS 5.0 V6.3.1), opt-in (``--probe-throttling N``): up to N wrong
  passwords to one account meet a 429 or a growing delay. It may slow or lock that account.

The sample is sent once per run and shared by the two comparisons (``ctx.cache``); an
answer of 429 in it means the target throttled the sample, so nothing is judged.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.engine.context import Context
from conformance.engine.evidence import clip
from conformance.engine.invent import strong_password
from conformance.model import CheckSkipped, Exchange

__all__ = [
    "ENUMERATION_SOURCE",
    "PASSWORD_LENGTH_SOURCE",
    "THROTTLING_SOURCE",
    "PasswordLogin",
    "answers_alike",
    "failed_logins_throttled",
    "times_alike",
]

ENUMERATION_SOURCE = (
    "ASVS 5.0 V6.3.8: valid users cannot be told from failed logins, by message, status or "
    "response time"
)
THROTTLING_SOURCE = (
    "ASVS 5.0 V6.3.1: controls against credential stuffing and password brute force are in place"
)
PASSWORD_LENGTH_SOURCE = (
    "ASVS 5.0 V6.2.9: passwords of at least 64 characters are permitted; ASVS 5.0 V6.2.8: a "
    "password is verified exactly as received, never truncated"
)

# Tries of each kind in the timing sample: a median of five shrugs off two slow answers.
SAMPLE_SIZE = 5
# A timing warning needs both: one median this many times the other, and this far apart.
TIMING_RATIO = 3.0
TIMING_GAP_SECONDS = 0.020
# A growing delay: the last GROWTH_RUN tries each take GROWTH_RATIO times the median of the
# first GROWTH_BASE, and GROWTH_GAP_SECONDS more.
GROWTH_BASE, GROWTH_RUN = 3, 2
GROWTH_RATIO, GROWTH_GAP_SECONDS = 3.0, 0.100

THROTTLING_OFF = (
    "throttling probe off (--probe-throttling N sends up to N wrong passwords to one "
    "account; it may slow or lock that account)"
)
_SAMPLE_KEY = "discovery_sample"
_VARIES = "<varies>"


@dataclass(frozen=True)
class PasswordLogin:
    """How one system's password login is reached, for the shared checks."""

    operation: str  # "POST /api/user/login": names the fault
    send: Callable[[Context, str, str], httpx.Response]  # (ctx, email, password) -> answer
    account: Callable[[Context], tuple[str, str]]  # a known account: (email, password)
    # The account the throttling probe guesses at: one made for it where the system can
    # make one (no real account is slowed), else the known account above.
    target: Callable[[Context], tuple[str, str]] | None = None
    # What the documents (or the project) say both refusals are, for the findings.
    documented: str = "one status and one body for both (ASVS 5.0 V6.3.8)"


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any  # parsed JSON, else the text
    seconds: float
    exchange: Exchange | None


@dataclass(frozen=True)
class _Sample:
    wrong: list[_Answer]  # a known email, a wrong password
    unknown: list[_Answer]  # an email no account has


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _timed(ctx: Context, login: PasswordLogin, email: str, password: str) -> _Answer:
    started = time.perf_counter()
    response = login.send(ctx, email, password)
    seconds = time.perf_counter() - started
    return _Answer(response.status_code, _body(response), seconds, ctx.last)


def _sample(ctx: Context, login: PasswordLogin) -> _Sample:
    """SAMPLE_SIZE answers of each kind, interleaved in an order drawn from the run's seed.

    Drawn shared, so the sample is the same whichever of the two checks sends it.
    """
    if _SAMPLE_KEY in ctx.cache:
        return ctx.cache[_SAMPLE_KEY]
    email, password = login.account(ctx)
    rng = ctx.rng("discovery sample", shared=True)
    wrong_password = strong_password(rng)
    if wrong_password == password:  # one chance in a vast number, still never a login
        wrong_password = strong_password(rng)
    unknown_email = ctx.invent.email(rng)
    wrong: list[_Answer] = []
    unknown: list[_Answer] = []
    for _ in range(SAMPLE_SIZE):
        pair = [("wrong", email, wrong_password), ("unknown", unknown_email, password)]
        if rng.random() < 0.5:
            pair.reverse()
        for kind, who, secret in pair:
            (wrong if kind == "wrong" else unknown).append(_timed(ctx, login, who, secret))
    for answer in wrong + unknown:
        if answer.status == 429:
            ctx.last = answer.exchange
            raise CheckSkipped(
                "the target rate-limited the sample (429), so its answers show nothing of "
                "an unknown email vs a wrong password"
            )
    ctx.cache[_SAMPLE_KEY] = _Sample(wrong, unknown)
    return ctx.cache[_SAMPLE_KEY]


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON value by its path (``"status.message"``)."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(_flatten(item, f"{path}.{key}" if path else str(key)))
        return found or {path: {}}
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(_flatten(item, f"{path}[{index}]"))
        return found or {path: []}
    return {path: value}


def _varying(answers: list[_Answer]) -> set[str]:
    """Leaves whose values differ between answers of one kind: noise, not a tell."""
    leaves = [_flatten(a.body) for a in answers]
    paths = set().union(*leaves)
    return {p for p in paths if len({json.dumps(leaf.get(p), default=str) for leaf in leaves}) > 1}


def _shown(answer: _Answer, noise: set[str]) -> tuple[int, dict[str, Any]]:
    leaves = _flatten(answer.body)
    return answer.status, {p: (_VARIES if p in noise else v) for p, v in leaves.items()}


def answers_alike(ctx: Context, login: PasswordLogin) -> None:
    """Fail when an unknown email and a wrong password get a different status or body."""
    sample = _sample(ctx, login)
    noise = _varying(sample.wrong) | _varying(sample.unknown)
    wrong, unknown = sample.wrong[0], sample.unknown[0]
    if _shown(wrong, noise) == _shown(unknown, noise):
        return
    ctx.last = unknown.exchange
    told = "status" if wrong.status != unknown.status else "body"
    ctx.fail(
        f"an unknown email and a wrong password get a different {told}",
        received=f"wrong password: HTTP {wrong.status} {clip(json.dumps(wrong.body))[:160]}; "
        f"unknown email: HTTP {unknown.status} {clip(json.dumps(unknown.body))[:160]}",
        documented=login.documented,
        hint="answer every failed login with one status and one body, so the answer does "
        "not tell a guesser which emails have accounts",
        observed=f"{login.operation}: unknown email answered unlike a wrong password",
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def times_alike(ctx: Context, login: PasswordLogin) -> None:
    """Fail when the median times of the two kinds are far apart: both a ratio of at least
    TIMING_RATIO and a gap of at least TIMING_GAP_SECONDS."""
    sample = _sample(ctx, login)
    wrong = statistics.median(a.seconds for a in sample.wrong)
    unknown = statistics.median(a.seconds for a in sample.unknown)
    slow, fast = max(wrong, unknown), min(wrong, unknown)
    ratio = slow / max(fast, 1e-6)
    if ratio < TIMING_RATIO or slow - fast < TIMING_GAP_SECONDS:
        return
    ctx.last = sample.unknown[0].exchange
    slower = "a wrong password" if wrong > unknown else "an unknown email"
    ctx.fail(
        f"{slower} takes {ratio:.0f}x as long to refuse",
        received=f"median of {SAMPLE_SIZE} interleaved tries each: unknown email "
        f"{_ms(unknown)}, wrong password {_ms(wrong)} ({ratio:.1f}x, "
        f"{_ms(slow - fast)} apart)",
        documented=f"alike times (ASVS 5.0 V6.3.8); warned at {TIMING_RATIO:g}x and "
        f"{_ms(TIMING_GAP_SECONDS)} apart",
        hint="spend the same work on an unknown email (hash the password against a "
        "decoy hash), so the time does not tell which emails have accounts",
        observed=f"{login.operation}: unknown email refused in another time",
    )


def _growing(seconds: list[float]) -> bool:
    """The last GROWTH_RUN tries each took far longer than the first GROWTH_BASE."""
    if len(seconds) < GROWTH_BASE + GROWTH_RUN:
        return False
    base = statistics.median(seconds[:GROWTH_BASE])
    return all(
        s >= GROWTH_RATIO * base and s - base >= GROWTH_GAP_SECONDS for s in seconds[-GROWTH_RUN:]
    )


def failed_logins_throttled(ctx: Context, login: PasswordLogin) -> None:
    """Send up to ``--probe-throttling`` wrong passwords to one account; pass at the first
    429 (Retry-After is a MAY in RFC 6585 §4, so not required) or once a delay grows."""
    tries = ctx.settings.probe_throttling
    if not tries:
        raise CheckSkipped(THROTTLING_OFF)
    email, password = (login.target or login.account)(ctx)
    wrong_password = strong_password(ctx.rng("throttling password"))
    if wrong_password == password:
        wrong_password = strong_password(ctx.rng("throttling password"))
    seconds: list[float] = []
    statuses: set[int] = set()
    for _ in range(tries):
        answer = _timed(ctx, login, email, wrong_password)
        if answer.status == 429 or _growing([*seconds, answer.seconds]):
            return
        seconds.append(answer.seconds)
        statuses.add(answer.status)
    codes = ", ".join(f"HTTP {s}" for s in sorted(statuses))
    ctx.fail(
        f"{tries} wrong passwords in a row met no throttling",
        received=f"{tries} wrong passwords to one account in {sum(seconds):.1f} s, answered "
        f"{codes}; the first in {_ms(seconds[0])}, the last in {_ms(seconds[-1])}",
        documented="a 429 (Retry-After optional, RFC 6585 §4) or a growing delay after "
        "repeated failures (ASVS 5.0 V6.3.1)",
        hint="count failed logins per account and per address; past a limit answer 429 "
        "with Retry-After, or make each further try wait longer (or raise N if the "
        "limit is higher)",
        observed=f"{login.operation}: no throttling of failed logins",
    )
