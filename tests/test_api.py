"""conformance.api, as a user's own code calls it, against the reference server over HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from conformance import api
from conformance.fuzz.config import build_plan, to_toml
from reference_impl.serving.embedded import Running


def test_run_checks_returns_every_verdict(reference_server: Running, tmp_path: Path) -> None:
    seen: list[str] = []
    result = api.run_checks(
        reference_server.url + "/",
        api="duktig",
        credentials=reference_server.credentials,
        fuzz=False,
        progress=seen.append,
    )
    assert result.conformant, api.format_summary(result)
    assert result.systems == ["duktig"]
    names = [r.name for r in result.results]
    assert names == [c.name for c in api.list_checks("duktig", fuzz=False)]
    # The fingerprint's verdict and a heading per system, then one progress line per check.
    assert seen[0].startswith("duktig: the target looks like this API")
    assert seen[1].startswith("duktig: ") and len(seen) == 2 + len(names)
    # The same run from a credentials file on disk.
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(reference_server.credentials))
    again = api.run_checks(reference_server.url, api=["duktig"], credentials=path, fuzz=False)
    assert [r.outcome for r in again.results] == [r.outcome for r in result.results]


def test_without_credentials_login_checks_are_skipped(reference_server: Running) -> None:
    result = api.run_checks(reference_server.url, api="duktig", fuzz=False)
    skipped = [r for r in result.results if r.outcome is api.Outcome.SKIPPED]
    assert skipped and all("credentials" in r.message for r in skipped)


def test_list_checks_names_schemathesis_checks_with_their_levels() -> None:
    fib = {c.name: c for c in api.list_checks("fib")}
    assert fib["correctly_signed_login_succeeds"].level is api.Level.CONTRACT
    assert fib["schemathesis.unsupported_method"].level is api.Level.ADVISORY
    assert "schemathesis.run" in fib
    assert not any(n.startswith("schemathesis.") for n in (c.name for c in api.list_checks(
        "fib", fuzz=False)))
    assert api.systems() == ["duktig", "fib", "user-api"]


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"api": "nope"}, "api nope"),
        ({"api": []}, "api"),
        ({"max_examples": 0}, "--max-examples"),
        ({"credentials": {"fib": {"users": [{"email": "a@b.co"}]}}}, "credentials argument"),
        ({"credentials": "/nonexistent/creds.json"}, "credentials file"),
    ],
)
def test_wrong_arguments_raise_usage_error(
    reference_server: Running, kwargs: dict, what: str
) -> None:
    with pytest.raises(api.UsageError) as raised:
        api.run_checks(reference_server.url, fuzz=False, **kwargs)
    assert raised.value.what.startswith(what)


def test_nothing_listening_raises_target_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(api.TargetError) as raised:
            api.run_checks(url, api="fib", fuzz=False)
    assert isinstance(raised.value, api.AuthconformError)
    assert "cannot connect" in raised.value.why


def test_stateful_only_switch_off_reaches_schemathesis() -> None:
    from schemathesis.config import SchemathesisConfig

    plan = build_plan(
        {"stateful_disabled_checks": {"ignored_auth": "links fill the token"}},
        max_examples=1,
        seed=None,
    )
    project = SchemathesisConfig.from_str(to_toml(plan.config)).projects.get_default()
    assert project.phases.stateful.checks.ignored_auth.enabled is False
    assert project.checks.ignored_auth.enabled is True  # still on in the other phases
    assert plan.disabled_checks == {}
    with pytest.raises(api.UsageError):
        build_plan({"stateful_disabled_checks": {"ignored_auth": ""}}, max_examples=1, seed=None)
