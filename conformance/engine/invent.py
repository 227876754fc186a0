"""Values the suite invents (emails, names, passwords, keys), every one drawn from the run's seed.

A draw is keyed by (seed, system, scope, purpose, how many such draws came before in that
scope): a check's values do not depend on which checks ran before it, so a replay of one
check invents what the full run did. The one value not from the seed is the run's *tag*,
a few random hex digits in every email and name: a server remembers its accounts, so a
second run with the same seed must not meet the first one's. The tag is recorded beside
the seed (report.json ``settings``); with a fresh tag the same seed gives the same outcome.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import string
from typing import NamedTuple

__all__ = [
    "PASSWORD_LEVELS",
    "Inventor",
    "PasswordLevel",
    "new_run_tag",
    "new_seed",
    "seeded_random",
    "strong_password",
]

SEED_BITS = 31  # what --seed takes and Schemathesis accepts
RUN_TAG_BYTES = 3  # six hex digits: a repeat of one seed meets its own tag once in 16 M
SHARED_SCOPE = ""  # draws shared by every check of a system (the cached session)

# Symbols the common "strong password" patterns all take ([@$!%*?&] is the narrowest seen).
PASSWORD_SYMBOLS = "@$!%*?&"
_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SYMBOLS)


class PasswordLevel(NamedTuple):
    """How strong a generated password is."""

    length: int
    each: int  # at least this many of every class


# First try, then the one retry after a server refuses a password by its policy. Both stay
# well under 72 bytes (bcrypt's cap) and every character is distinct (no repeats, no runs).
PASSWORD_LEVELS = (PasswordLevel(20, 2), PasswordLevel(32, 4))


def new_seed() -> int:
    """A seed for a run that was given none (printed and recorded, so it can be repeated)."""
    return secrets.randbelow(2**SEED_BITS)


def new_run_tag() -> str:
    """The run's tag: keeps its accounts apart from every earlier run's, same seed or not."""
    return secrets.token_hex(RUN_TAG_BYTES)


def seeded_random(seed: int, *key: str | int) -> random.Random:
    """A generator that depends on ``seed`` and ``key`` alone (not on Python's hash salt)."""
    material = json.dumps([seed, *key]).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.sha256(material).digest(), "big"))


def strong_password(rng: random.Random, level: PasswordLevel = PASSWORD_LEVELS[0]) -> str:
    """A password every class of a common policy is guaranteed in: upper, lower, digit, symbol.

    At least ``level.each`` of each class, ``level.length`` characters, all distinct.
    """
    chosen: list[str] = []
    for alphabet in _CLASSES:
        chosen += rng.sample(alphabet, level.each)
    rest = "".join(c for c in "".join(_CLASSES) if c not in chosen)
    chosen += rng.sample(rest, level.length - len(chosen))
    rng.shuffle(chosen)
    return "".join(chosen)


class Inventor:
    """One system's source of invented values in a run: a fresh seeded stream per draw."""

    def __init__(self, seed: int, tag: str, system: str) -> None:
        self.seed, self.tag, self.system = seed, tag, system
        self._drawn: dict[tuple[str, str], int] = {}

    def rng(self, scope: str, purpose: str) -> random.Random:
        """The next generator for ``purpose`` within ``scope`` (a check's name, or shared)."""
        count = self._drawn.get((scope, purpose), 0)
        self._drawn[(scope, purpose)] = count + 1
        return seeded_random(self.seed, self.system, scope, purpose, count)

    def label(self, rng: random.Random) -> str:
        """``conformance-<tag><8 hex>``: unique within the run (seed) and across runs (tag)."""
        return f"conformance-{self.tag}{rng.getrandbits(32):08x}"

    def email(self, rng: random.Random, domain: str = "example.com") -> str:
        return f"{self.label(rng)}@{domain}"
