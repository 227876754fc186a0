"""Plain Schemathesis works: the shipped configuration, and the documented `st run` recipes.

The recipes are read from the guide itself (the lines of its marked shell block), so the
test runs what a reader copies, against a reference server, with the real `st` command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from schemathesis.config import SchemathesisConfig

from conformance.openapi import st_config
from conformance.profiles import discover_profiles
from reference_impl.serving.embedded import Running, running_server

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "guides" / "pytest-and-schemathesis.md"
RECIPE_MARKER = "<!-- recipe: st-run -->"
BIN = Path(sys.executable).parent
ST_TIMEOUT = 300


def recipe_lines() -> list[str]:
    """The shell lines of the guide's marked `st run` block."""
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(re.escape(RECIPE_MARKER) + r"\s*```sh\n(.*?)```", text, re.S)
    assert block, f"{GUIDE}: no {RECIPE_MARKER} block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_shipped_files_are_what_the_profiles_give() -> None:
    for name, profile in discover_profiles().items():
        shipped = st_config.shipped_path(name)
        assert shipped.read_text(encoding="utf-8") == st_config.render(profile), (
            f"{shipped} is stale: run `authconform spec schemathesis-config`"
        )


def test_check_option_reports_a_stale_file(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "conformance.cli", "spec", "schemathesis-config"]
    current = subprocess.run(
        [*cli, "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    assert current.returncode == 0, current.stdout + current.stderr
    written = subprocess.run(
        [*cli, "--dir", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert written.returncode == 0
    stale = tmp_path / "fib.schemathesis.toml"
    stale.write_text(stale.read_text().replace("max-examples = 20", "max-examples = 21"))
    check = subprocess.run(
        [*cli, "--check", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert check.returncode == 1
    assert "fib.schemathesis.toml: differs" in check.stdout


def test_shipped_files_carry_the_profile_settings_schemathesis_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AUTH_KEY", "EMAIL", "PASSWORD"):
        monkeypatch.setenv(f"AUTHCONFORM_DUKTIG_{name}", f"value-of-{name}")
    duktig = SchemathesisConfig.from_path(str(st_config.shipped_path("duktig")))
    project = duktig.projects.get_default()
    assert project.headers == {"X-Auth-Key": "value-of-AUTH_KEY"}  # ${...} resolved
    statuses = project.checks.positive_data_acceptance.expected_statuses
    assert statuses == ["200", "401", "403", "422"]
    fib = tomllib.loads(st_config.shipped_path("fib").read_text())
    assert fib["phases"]["stateful"]["checks"] == {"ignored_auth": {"enabled": False}}
    assert "422" in fib["checks"]["positive_data_acceptance"]["expected-statuses"]


def test_env_command_prints_the_variables_from_a_credentials_file(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({
        "duktig": {"authKey": "k$y 'q'", "users": [{"email": "a@b.co", "password": "secret1"}]}
    }))
    out = subprocess.run(
        ["bash", "-c", f'eval "$({BIN}/authconform spec schemathesis-env --credentials {creds})"'
         ' && printf "%s|%s|%s" "$AUTHCONFORM_DUKTIG_AUTH_KEY" "$AUTHCONFORM_DUKTIG_EMAIL"'
         ' "$AUTHCONFORM_DUKTIG_PASSWORD"'],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.stdout == "k$y 'q'|a@b.co|secret1", out.stderr
    missing = tmp_path / "no-users.json"
    missing.write_text(json.dumps({"duktig": {"authKey": "k"}}))
    refused = subprocess.run(
        [f"{BIN}/authconform", "spec", "schemathesis-env", "--api", "duktig",
         "--credentials", str(missing)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: credentials duktig.users.0.email: missing")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Path]]:
    creds = tmp_path_factory.mktemp("st-run") / "creds.json"
    with running_server(demo_users=2) as server:
        creds.write_text(json.dumps(server.credentials))
        yield server, creds


@pytest.mark.slow
@pytest.mark.parametrize("system", ["fib", "user-api", "duktig"])
def test_documented_st_run_recipe_passes_against_the_reference(
    system: str, reference: tuple[Running, Path]
) -> None:
    server, creds = reference
    lines = recipe_lines()
    setup = [line for line in lines if line.startswith("eval ")]
    runs = [line for line in lines if line.startswith("st ") and f"spec/{system}." in line]
    assert len(setup) == 1 and len(runs) == 1, lines
    script = "\n".join([
        "set -e",
        setup[0].replace("creds.json", str(creds)),
        # The guide's URL is the default serve port; this server has its own. Small and
        # repeatable: a few examples, a fixed seed.
        runs[0].replace("http://127.0.0.1:8000", server.url)
        + " --max-examples 5 --seed 7 --no-color",
    ])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTHCONFORM_")},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=ST_TIMEOUT, check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Configuration:" in done.stdout and f"{system}.schemathesis.toml" in done.stdout
    if system == "duktig":  # the key and a real user: no "only 401/403" warning
        assert "Authentication failed" not in done.stdout
