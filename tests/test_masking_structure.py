"""Masking keeps structure: a masked JSON string is still a JSON string, in every output.

Schemathesis shows a failing answer as an indented JSON "Value:" block; a token in it
must become a fingerprint inside the same quotes, with the keys after it intact, so the
block still parses. A documented shape ("token": "<HS256 JWT>") is the suite's own words
and is never masked.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jwt
import pytest
from test_independent import check_in_process

from conformance.engine.masking import Masker

TOKEN = jwt.encode(
    {"userId": "u-1", "userName": 'line\nbreak "quoted"', "email": "a@b.example"},
    "k" * 32,
    algorithm="HS256",
)
OPAQUE = "0f" * 40  # an opaque token, no JWT shape
# What Schemathesis 4 prints for a failing answer, indented four spaces under "Value:".
ANSWER = {"email": "a@b.example", "token": TOKEN, "refreshToken": OPAQUE, "userId": 7}
VALUE_BLOCK = "Value:\n\n" + textwrap.indent(json.dumps(ANSWER, indent=4), "    ")
DOCUMENTED = '200 {"userId": str, "email": str, "userName": str, "token": "<HS256 JWT>"}'


def value_blocks(text: str) -> list[str]:
    """Every indented block that follows a ``Value:`` line (itself indented or not), dedented."""
    found = re.finditer(r"^( *)Value:\n *\n((?:\1    .*\n?)+)", text, flags=re.MULTILINE)
    return [textwrap.dedent(match.group(2)) for match in found]


@pytest.mark.parametrize("learned", [False, True], ids=["by-name", "by-value"])
def test_masked_value_block_parses_back_with_every_key(learned: bool) -> None:
    masker = Masker()
    if learned:
        masker.learn([TOKEN, OPAQUE])
    masked = masker(VALUE_BLOCK)
    (block,) = value_blocks(masked)
    value = json.loads(block)
    assert list(value) == ["email", "token", "refreshToken", "userId"]
    assert value["email"] == "a@b.example" and value["userId"] == 7
    assert value["token"].startswith("[masked JWT:") and "userId=u-1" in value["token"]
    assert value["refreshToken"].startswith("[masked:")
    assert TOKEN not in masked and OPAQUE not in masked


def test_a_value_line_cut_short_keeps_the_next_key() -> None:
    """A line cut at a width (no closing quote) is masked to its end, never past it."""
    cut = f'{{\n    "token": "{TOKEN[:60]}...\n    "userId": 7\n}}'
    masked = Masker()(cut)
    assert TOKEN[:40] not in masked
    lines = masked.splitlines()
    assert re.fullmatch(r'    "token": "\[masked: [^"\n]*\]"', lines[1]), lines[1]
    assert lines[2] == '    "userId": 7'


@pytest.mark.parametrize(
    "shape",
    [
        'documented: 200 {"userId": str, "token": "<HS256 JWT>"}',
        'documented: data: {"accessToken": "str", "refreshToken": "string"}',
    ],
)
def test_a_documented_shape_is_never_masked(shape: str) -> None:
    assert Masker()(shape) == shape


def _outputs(report: Path, console: str) -> dict[str, str]:
    """Each output's text as a reader gets it (JSON and XML decoded, HTML unescaped)."""
    data = json.loads((report / "report.json").read_text("utf-8"))
    junit = ET.parse(report / "junit.xml").getroot()
    return {
        "console": console,
        "report.md": (report / "report.md").read_text("utf-8"),
        "report.json": "\n".join(r["details"] for r in data["results"]),
        "junit.xml": "\n".join(node.text or "" for node in junit.iter("failure")),
        "report.html": html.unescape((report / "report.html").read_text("utf-8")),
    }


@pytest.mark.slow
def test_schemathesis_value_blocks_parse_back_in_every_output(tmp_path: Path) -> None:
    """A User API server without userName: Schemathesis shows its signup answers, token
    and all; every output's Value blocks are JSON, the token a fingerprint inside them."""
    verdict = check_in_process(tmp_path, "user-api", ("omits_user_name",))
    seen: dict[str, Any] = {}
    for name, text in _outputs(tmp_path / "report", verdict.output).items():
        blocks = [json.loads(block) for block in value_blocks(text)]
        tokens = [b["token"] for b in blocks if isinstance(b, dict) and "token" in b]
        assert tokens, f"{name}: no Value block with a token"
        assert all(t.startswith("[masked JWT:") for t in tokens), (name, tokens)
        assert all("userId" in b for b in blocks if isinstance(b, dict) and "token" in b)
        seen[name] = len(tokens)
    assert f"documented: {DOCUMENTED}" in verdict.output
    assert len(seen) == 5
