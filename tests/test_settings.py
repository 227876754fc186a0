"""One settings object: the CLI, the Python API and the pytest plugin refuse a bad value
with the same error, because all three build the same validated Settings."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest
from in_process import authconform

from conformance import api
from conformance.engine.settings import DEFAULTS, Settings
from conformance.errors import UsageError

# (the API's keyword, its value, the CLI's flag and value)
BAD = [
    ("max_examples", 0, "--max-examples", "0"),
    ("timeout", 0.0, "--timeout", "0"),
    ("max_time", -1.0, "--max-time", "-1"),
    ("max_response_bytes", 0, "--max-response-bytes", "0"),
    ("expiry_wait", -3.0, "--expiry-wait", "-3"),
    ("probe_throttling", 201, "--probe-throttling", "201"),
]


@pytest.mark.parametrize(("keyword", "value", "flag", "text"), BAD)
def test_a_bad_value_is_the_same_usage_error_from_the_cli_and_the_api(
    keyword: str, value: float, flag: str, text: str
) -> None:
    # Refused before any target is touched: nothing listens at this URL.
    with pytest.raises(UsageError) as raised:
        api.run_checks("http://127.0.0.1:9", fuzz=False, **{keyword: value})
    done = authconform("check", "http://127.0.0.1:9", "--no-fuzz", flag, text)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {raised.value}"
    assert raised.value.what == flag


def test_settings_are_frozen_and_validated_on_every_copy() -> None:
    settings = Settings(lifecycle=False)
    with pytest.raises(AttributeError):
        settings.lifecycle = True  # type: ignore[misc]
    from dataclasses import replace

    with pytest.raises(UsageError):
        replace(settings, max_examples=0)



def test_the_cli_and_the_api_choose_systems_the_same_way() -> None:
    """One chooser: ``all`` expands, a name given twice runs once, an unknown one is refused
    (by its CLI flag on the command line, by its keyword in the API)."""
    from conformance.engine.target import choose_profiles

    names = [p.name for p in choose_profiles("duktig, fib,duktig")]
    assert names == ["duktig", "fib"]
    assert choose_profiles("fib,all")[0].name == "fib"
    assert len(choose_profiles("fib,all")) == len(choose_profiles("all")) == 3
    assert [p.name for p in choose_profiles(["user-api", "fib"])] == ["user-api", "fib"]
    with pytest.raises(UsageError) as raised:
        api.run_checks("http://127.0.0.1:9", api="fib,nope", fuzz=False)
    assert raised.value.what == "api nope"
    done = authconform("check", "http://127.0.0.1:9", "--api", "fib,nope", "--no-fuzz")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --api nope: no such system (known: ")
    empty = authconform("check", "http://127.0.0.1:9", "--api", "fib,", "--no-fuzz")
    assert (empty.returncode, empty.stderr.strip()) == (2, "error: --api: an empty system name")


class _Group:
    """pytest's option group, as far as the plugin uses it: ``addoption`` is argparse's."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser()

    def getgroup(self, *_: str) -> _Group:
        return self

    def addoption(self, *names: str, **spec: object) -> None:
        self.parser.add_argument(*names, **spec)  # type: ignore[arg-type]


RUN_FLAGS = [
    ("--max-examples", "3"),
    ("--seed", "11"),
    ("--no-fuzz",),
    ("--no-lifecycle",),
    ("--jwks-url", "http://127.0.0.1:9/keys"),
    ("--expiry-wait", "2.5"),
    ("--probe-throttling", "12"),
    ("--strict",),
    ("--timeout", "4"),
    ("--max-time", "30"),
    ("--max-response-bytes", "4096"),
]


@pytest.mark.parametrize("given", [(), *RUN_FLAGS])
def test_the_plugin_and_the_cli_build_the_same_settings_from_the_same_options(
    given: tuple[str, ...],
) -> None:
    from conformance import pytest_plugin
    from conformance.cli.check import settings_from_args
    from conformance.cli.main import build_parser
    from conformance.engine.run_options import run_settings_fields

    cli, _ = build_parser("check")
    args = cli.parse_args(["check", "http://127.0.0.1:9", *given])
    from_cli = settings_from_args(args, args.seed)
    group = _Group()
    pytest_plugin.pytest_addoption(group)  # type: ignore[arg-type]
    prefixed = [f"--authconform-{word[2:]}" if word.startswith("--") else word for word in given]
    options = vars(group.parser.parse_args(prefixed))
    from_plugin = Settings(**run_settings_fields(lambda dest: options[f"authconform_{dest}"]))
    assert from_plugin == replace(
        from_cli, credentials_file=DEFAULTS.credentials_file, show_secrets=False
    )
    if given:  # the option changed something, through both front ends
        assert from_plugin != DEFAULTS
