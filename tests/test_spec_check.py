"""`authconform spec check`: clean on the repository, and each kind of drift named and exit 1."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.cli import spec as spec_command

REPO = Path(__file__).resolve().parent.parent
SESSION = "/auth/api/v1/authentication-management/session"
LOGIN_PAGE = Path("docs/apis/fib/login.md")


def spec_check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    parser = argparse.ArgumentParser()
    spec_command.configure(parser)
    code = spec_command.run(parser.parse_args(["check", *argv]))
    return code, capsys.readouterr().out.splitlines()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of docs/ and spec/ to break on purpose."""
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copytree(REPO / "spec", tmp_path / "spec")
    return tmp_path


def check_tree(capsys: pytest.CaptureFixture[str], tree: Path) -> tuple[int, list[str]]:
    return spec_check(
        capsys, "--docs-dir", str(tree / "docs/apis"), "--spec-dir", str(tree / "spec")
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_repository_docs_and_specs_agree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = spec_check(capsys)
    assert code == 0, out
    assert out == ["spec check: docs and spec agree (fib, user-api, duktig)"]


def test_console_command_runs_in_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "spec", "check", "--api", "duktig"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "agree (duktig)" in result.stdout


def test_unmodified_copy_is_clean(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    clean = ["spec check: docs and spec agree (fib, user-api, duktig)"]
    assert check_tree(capsys, tree) == (0, clean)


def test_response_code_removed_from_spec(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    path = tree / "spec/fib.openapi.yaml"
    spec = yaml.safe_load(path.read_text())
    del spec["paths"][SESSION]["post"]["responses"]["401"]
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert f"fib: POST {SESSION}: response 401 is in the docs but not in the spec" in out


def test_field_renamed_in_docs(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    edit(tree / LOGIN_PAGE, "| `authPublicKeyHex` | string |", "| `publicKey` | string |")
    code, out = check_tree(capsys, tree)
    assert code == 1
    prefix = f"fib: POST {SESSION}: request field"
    assert f"{prefix} 'publicKey' is in the docs but not in the spec" in out
    assert f"{prefix} 'authPublicKeyHex' is in the spec but not in the docs" in out


def test_required_flag_changed_in_docs(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    edit(tree / LOGIN_PAGE, "| `email` | string | yes |", "| `email` | string | no |")
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert any("'email' is optional in the docs but required in the spec" in line for line in out)


def test_example_broken_in_docs(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    edit(tree / LOGIN_PAGE, '"expirationTime": 300', '"expirationTime": "300"')
    code, out = check_tree(capsys, tree)
    assert code == 1
    broken = [line for line in out if f"example for POST {SESSION} 200" in line]
    assert len(broken) == 1, out
    assert "docs/apis/fib/login.md:" in broken[0]
    assert "data/expirationTime: '300' is not of type 'integer'" in broken[0]


def test_example_that_is_not_json(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    edit(tree / LOGIN_PAGE, '"email": "alice@mail.com",', "email: 'alice@mail.com',")
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert any(f"{SESSION} request: not valid JSON" in line for line in out), out


def test_unmarked_json_block_is_drift(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    page = tree / "docs/apis/duktig/token.md"
    page.write_text(page.read_text() + '\n```json\n{"unchecked": true}\n```\n')
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert any("```json block without an '<!-- example: ... -->' marker" in line for line in out)


def test_operation_missing_from_docs(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    (tree / "docs/apis/fib/session.md").unlink()
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert "fib: GET /.well-known/jwks.json: in the spec but documented nowhere" in out


def test_header_dropped_from_spec(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    path = tree / "spec/duktig.openapi.yaml"
    spec = yaml.safe_load(path.read_text())
    del spec["paths"]["/auth/token"]["post"]["security"]  # the X-Auth-Key scheme
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert "duktig: POST /auth/token: header 'x-auth-key' is in the docs but not in the spec" in out


def test_invalid_openapi_is_reported(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    path = tree / "spec/user-api.openapi.yaml"
    spec = yaml.safe_load(path.read_text())
    del spec["info"]
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    code, out = check_tree(capsys, tree)
    assert code == 1
    invalid = "user-api: spec/user-api.openapi.yaml: invalid OpenAPI"
    assert any(line.startswith(invalid) for line in out)


def test_spec_example_that_breaks_its_own_schema(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    edit(tree / "spec/duktig.openapi.yaml", "expires_in: 1573892416", "expires_in: soon")
    code, out = check_tree(capsys, tree)
    assert code == 1
    assert any("200 example 'seed' does not match its own schema" in line for line in out), out
