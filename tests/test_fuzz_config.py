"""Profile Schemathesis settings become a config Schemathesis accepts; mistakes are refused."""

from __future__ import annotations

import tomllib

import pytest
from schemathesis.config import SchemathesisConfig

from conformance.errors import UsageError
from conformance.fuzz.config import build_plan, to_toml
from conformance.fuzz.run import past_memory_limit
from conformance.profiles import discover_profiles

DUKTIG_LIKE = {
    "positive_data_acceptance": {"expected_statuses": [200, 401, 403, 422]},
    "operations": {"login": {"negative_data_rejection": {"expected_statuses": ["4xx"]}}},
    "disabled_checks": {"ignored_auth": "the key is checked by a dedicated protocol check"},
    "disabled_phases": {"stateful": "no links"},
    "unexpected_methods": ["put", "delete"],
    "headers": {"X-Trace": "fuzz"},
    "credential_headers": {"X-Auth-Key": "authKey"},
    "request_timeout": 2,
    "stateful_max_steps": 4,
}


def test_settings_become_a_config_schemathesis_accepts() -> None:
    plan = build_plan(DUKTIG_LIKE, max_examples=7, seed=3, credentials={"authKey": 'k"e\\y%37*'})
    text = to_toml(plan.config)
    assert tomllib.loads(text) == plan.config  # the writer's TOML reads back unchanged
    config = SchemathesisConfig.from_str(text)
    project = config.projects.get_default()
    assert project.seed == 3
    assert project.headers == {"X-Trace": "fuzz", "X-Auth-Key": 'k"e\\y%37*'}
    assert project.checks.positive_data_acceptance.expected_statuses == ["200", "401", "403", "422"]
    assert project.checks.ignored_auth.enabled is False
    assert project.phases.stateful.enabled is False
    assert project.phases.coverage.unexpected_methods == {"put", "delete"}
    assert plan.secrets == ('k"e\\y%37*',)
    assert plan.disabled_checks == DUKTIG_LIKE["disabled_checks"]


@pytest.mark.parametrize(
    "settings",
    [
        {"positive_data_acceptance_statuses": [200]},  # a typo of a known key
        {"disabled_checks": {"not_a_check": "why"}},
        {"disabled_checks": {"ignored_auth": ""}},  # off without a reason
        {"disabled_phases": {"warmup": "why"}},
        {"positive_data_acceptance": {"statuses": [200]}},
        {"operations": {"login": {"headers": {}}}},
    ],
)
def test_mistakes_in_settings_are_refused(settings: dict) -> None:
    with pytest.raises(UsageError):
        build_plan(settings, max_examples=1, seed=None)


def test_every_profile_has_settings_that_build() -> None:
    profiles = discover_profiles()
    assert "fib" in profiles
    for profile in profiles.values():
        plan = build_plan(profile.schemathesis, max_examples=1, seed=1)
        SchemathesisConfig.from_str(to_toml(plan.config))


LIMIT = 512 * 2**20


@pytest.mark.parametrize(
    ("returncode", "output", "timed_out", "peak", "expected"),
    [
        (1, "MemoryError", False, 0, True),  # Python's allocator
        (1, "RuntimeError: can't start new thread", False, 0, True),
        (-6, "memory allocation of 33554432 bytes failed\n", False, 0, True),  # Rust's, then abort
        (-6, "Fatal Python error: Aborted", False, 0, False),  # an abort with no word of memory
        (0, "MemoryError", False, 0, False),  # a clean exit that printed the word
        (-9, "", True, int(0.95 * LIMIT), True),  # killed for time, stuck at the limit
        (-9, "", True, LIMIT // 2, False),  # killed for time, far from it
    ],
)
def test_a_child_at_its_memory_limit_is_told_from_other_ends(
    returncode: int, output: str, timed_out: bool, peak: int, expected: bool
) -> None:
    assert past_memory_limit(returncode, output, timed_out, peak, LIMIT) is expected
