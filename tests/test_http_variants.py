"""The HTTP-semantics variants go out as written: header names in the case the check chose,
the media type spelled otherwise (RFC 9110 §5.1, §8.3.1), read back from the wire.

httpx keeps a header name's case on HTTP/1.1; these tests hold the suite to it by recording
the header lines each request arrives with at a real loopback server (http.server keeps
names as received), during a whole protocol run against the correct independent server.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_independent import check_in_process

# system -> the header name its variant check must send in another case, and the checks
# that must pass on the correct server.
VARIANTS = {
    "duktig": "X-AUTH-KEY",
    "fib": "AUTHORIZATION",
    "user-api": "CONTENT-TYPE",
}
CHECKS = ("json_media_type_is_read_in_any_spelling", "header_names_are_case_insensitive")


@pytest.fixture
def raw_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, str]]]:
    """(method, header name as received, value) for every header line of every request."""
    seen: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    parse = http.server.BaseHTTPRequestHandler.parse_request

    def recording(handler: http.server.BaseHTTPRequestHandler) -> bool:
        parsed = parse(handler)
        if parsed:
            with lock:
                seen.extend((handler.command, k, v) for k, v in handler.headers.items())
        return parsed

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "parse_request", recording)
    yield seen


@pytest.mark.parametrize("system", sorted(VARIANTS))
def test_variants_arrive_as_spelled_and_the_correct_server_passes(
    tmp_path: Path, system: str, raw_names: list[tuple[str, str, str]]
) -> None:
    verdict = check_in_process(tmp_path, system, (), "--no-fuzz")
    for name in (*CHECKS, "head_and_options_never_5xx"):
        assert verdict.result(name)["outcome"] == "passed", verdict.explain()
    names = {name for _, name, _ in raw_names}
    assert VARIANTS[system] in names, sorted(names)
    types = {value for _, name, value in raw_names if name.lower() == "content-type"}
    assert {"Application/JSON", "application/json; charset=utf-8"} <= types, types
    methods = {method for method, _, _ in raw_names}
    assert {"HEAD", "OPTIONS"} <= methods, methods
