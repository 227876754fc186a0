"""Invented values: passwords every common policy takes, and one seed deciding every draw."""

from __future__ import annotations

import random
import re
import string

import pytest

from conformance.engine.context import Context
from conformance.engine.invent import (
    PASSWORD_LEVELS,
    PASSWORD_SYMBOLS,
    Inventor,
    seeded_random,
    strong_password,
)
from conformance.engine.settings import Settings

# validator.isStrongPassword's defaults, and the narrowest pattern seen in real servers.
STRONG = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[@$!%*?&])[A-Za-z\d@$!%*?&]{8,}$")
CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SYMBOLS)


@pytest.mark.parametrize("level", PASSWORD_LEVELS)
def test_every_password_has_every_class_and_its_length(level) -> None:
    """Guaranteed, not likely: thousands of draws, not one without a class."""
    for seed in range(3000):
        password = strong_password(random.Random(seed), level)
        assert len(password) == level.length >= 16
        assert len(set(password)) == len(password)  # no repeats, no runs of one character
        for alphabet in CLASSES:
            assert sum(c in alphabet for c in password) >= level.each
        assert STRONG.match(password), password
        assert len(password.encode("utf-8")) <= 72  # bcrypt reads no further


def test_the_retry_password_is_longer_and_more_varied() -> None:
    first, retry = PASSWORD_LEVELS
    assert retry.length > first.length and retry.each > first.each


def test_a_draw_depends_on_the_seed_and_its_key_alone() -> None:
    assert seeded_random(7, "user-api", "x").random() == seeded_random(7, "user-api", "x").random()
    assert seeded_random(7, "user-api", "x").random() != seeded_random(8, "user-api", "x").random()
    assert seeded_random(7, "user-api", "x").random() != seeded_random(7, "user-api", "y").random()


def test_a_checks_draws_do_not_depend_on_other_checks() -> None:
    """Check b draws the same whether or not check a drew first (a replay runs b alone)."""
    alone = Inventor(7, "abc123", "user-api")
    after = Inventor(7, "abc123", "user-api")
    after.rng("check_a", "user").random()
    assert alone.rng("check_b", "user").random() == after.rng("check_b", "user").random()


def test_repeated_draws_differ_and_labels_carry_the_tag() -> None:
    inventor = Inventor(7, "abc123", "user-api")
    emails = {inventor.email(inventor.rng("check", "user")) for _ in range(50)}
    assert len(emails) == 50
    assert all(re.fullmatch(r"conformance-abc123[0-9a-f]{8}@example\.com", e) for e in emails)


def _context(seed: int, tag: str) -> Context:
    return Context(
        "http://127.0.0.1:1", "user-api", None, {}, settings=Settings(seed=seed, run_tag=tag)
    )


def test_same_seed_other_tag_changes_only_the_tag() -> None:
    """A repeat of a seed invents the same values; only the tag keeps its accounts apart."""
    first, second = _context(7, "aaaaaa"), _context(7, "bbbbbb")
    for ctx in (first, second):
        ctx.check_name = "duplicate_signup_rejected"
    one, two = first.rng("user"), second.rng("user")
    assert first.invent.label(one).replace("aaaaaa", "") == second.invent.label(two).replace(
        "bbbbbb", ""
    )
    assert strong_password(one) == strong_password(two)


def test_settings_without_a_seed_get_one_and_a_tag() -> None:
    chosen = Settings().identified()
    assert isinstance(chosen.seed, int) and re.fullmatch(r"[0-9a-f]{6}", chosen.run_tag)
    kept = Settings(seed=5, run_tag="0f0f0f").identified()
    assert (kept.seed, kept.run_tag) == (5, "0f0f0f")
