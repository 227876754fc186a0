"""The `authconform` command line: key commands, usage errors, exit codes.

Most tests call the command in-process (they judge output and exit code only); the entry
points, the exit status of a real usage error and what a command imports run in a real
child interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
import subprocesses
from in_process import authconform

from conformance import signing

SEED_EMAIL = "alice@mail.com"
SEED_PUBLIC_KEY = "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b"
SEED_SIGNATURE = (
    "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
    "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e"
)


def verify(email: str, public_key: str, signature: str) -> subprocess.CompletedProcess[str]:
    return authconform(
        "verify", "--email", email, "--public-key", public_key, "--signature", signature
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_verify_says_the_seed_example_is_valid() -> None:
    result = verify(SEED_EMAIL, SEED_PUBLIC_KEY, SEED_SIGNATURE)
    assert (result.returncode, result.stdout.strip()) == (0, "valid")


def test_verify_says_invalid_for_another_email() -> None:
    result = verify("bob@mail.com", SEED_PUBLIC_KEY, SEED_SIGNATURE)
    assert (result.returncode, result.stdout.strip()) == (1, "invalid")


def test_keygen_then_sign_then_verify_round_trip() -> None:
    pair = json.loads(authconform("keygen", "--json").stdout)
    signed = authconform("sign", "--email", "u@example.com", "--private-key", pair["privateKeyHex"])
    assert signed.returncode == 0
    signature = signed.stdout.strip()
    assert signature == signing.sign_email("u@example.com", pair["privateKeyHex"])
    verified = verify("u@example.com", pair["publicKeyHex"], signature)
    assert verified.stdout.strip() == "valid"


def test_keygen_plain_output_is_a_matching_pair() -> None:
    lines = dict(line.split(": ", 1) for line in authconform("keygen").stdout.strip().splitlines())
    assert signing.public_key_for(lines["privateKeyHex"]) == lines["publicKeyHex"]


def test_sign_with_a_bad_key_is_a_one_line_usage_error() -> None:
    result = authconform("sign", "--email", "a@b.c", "--private-key", "xyz")
    assert_one_line_error(result, "--private-key")


def test_verify_with_a_bad_public_key_is_a_usage_error() -> None:
    result = verify("a@b.c", "00", SEED_SIGNATURE)
    assert_one_line_error(result, "--public-key")


def test_sign_does_not_import_schemathesis() -> None:
    code = (
        "import sys; from conformance.cli import main; "
        "main(['sign', '--email', 'a@b.c', '--private-key', '00'*32]); "
        "print('schemathesis' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_version_is_printed() -> None:
    result = subprocesses.authconform("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("authconform ")


def test_missing_required_option_exits_2() -> None:
    result = subprocesses.authconform("sign", "--email", "a@b.c")
    assert result.returncode == 2
    assert "--private-key" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("check", "ftp://example", "--no-fuzz"), "URL ftp://example"),
        (("check", "--api", "nope", "--no-fuzz"), "--api nope"),
        (("check", "--max-examples", "0"), "--max-examples"),
        (("check", "--max-time", "0"), "--max-time"),
        (("check", "--max-response-bytes", "0"), "--max-response-bytes"),
        (("check", "http://127.0.0.1:1", "--credentials", "/nonexistent/c.json"), "credentials"),
    ],
)
def test_check_usage_errors_are_one_line(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(authconform(*args), fragment)


def test_check_unreachable_url_exits_2_with_a_plain_message(
    free_port: Callable[[], int],
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = authconform("check", url, "--no-fuzz")
    assert_one_line_error(result, url, "cannot connect")


def test_check_help_documents_every_option() -> None:
    result = authconform("check", "--help")
    assert result.returncode == 0
    for option in (
        "--api",
        "--credentials",
        "--report",
        "--max-examples",
        "--seed",
        "--no-fuzz",
        "--no-lifecycle",
        "--jwks-url",
        "--max-time",
        "--max-response-bytes",
        "protocol checks only",
    ):
        assert option in result.stdout


def test_python_dash_m_conformance_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("authconform ")
