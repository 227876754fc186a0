"""Opt-in CORS on the reference server: only the named origins, preflight included."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from subprocesses import authconform, serving

from reference_impl.http.cors import allow_origins, parse_origin
from reference_impl.serving.embedded import Running

SITE = "http://127.0.0.1:8001"
SESSION = "/auth/api/v1/authentication-management/session"
PREFLIGHT = {
    "Origin": SITE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


@pytest.fixture()
def cors_server(start_server) -> Running:
    return start_server(wrap=lambda app: allow_origins(app, [SITE]))


def test_preflight_from_a_named_origin_is_granted(cors_server: Running) -> None:
    response = httpx.options(f"{cors_server.url}{SESSION}", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SITE
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Content-Type" in response.headers["access-control-allow-headers"]


def test_answers_to_a_named_origin_carry_the_grant(cors_server: Running) -> None:
    response = httpx.post(f"{cors_server.url}{SESSION}", json={}, headers={"Origin": SITE})
    assert response.status_code == 400  # the app's own answer, unchanged
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["vary"] == "Origin"


def test_other_origins_see_the_server_as_before(cors_server: Running) -> None:
    other = {**PREFLIGHT, "Origin": "http://evil.example"}
    response = httpx.options(f"{cors_server.url}{SESSION}", headers=other)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    "text", ["127.0.0.1:8001", "ftp://host", "http://host/path", "http://u@host"]
)
def test_only_origins_are_accepted(text: str) -> None:
    with pytest.raises(ValueError):
        parse_origin(text)


def test_origin_is_normalised() -> None:
    assert parse_origin("HTTP://LocalHost:8001/") == "http://localhost:8001"


@pytest.mark.slow
def test_serve_grants_the_origin_it_is_given(tmp_path: Path, free_port) -> None:
    port = free_port()
    with serving(port, tmp_path / "cors.db", "--cors-origin", SITE) as url:
        granted = httpx.options(f"{url}{SESSION}", headers=PREFLIGHT)
        plain = httpx.options(f"{url}{SESSION}")
    assert granted.status_code == 204
    assert granted.headers["access-control-allow-origin"] == SITE
    assert plain.status_code == 405


def test_serve_refuses_a_malformed_origin() -> None:
    done = authconform("serve", "--cors-origin", "127.0.0.1:8001", "--port", "0")
    assert done.returncode == 2
    assert done.stderr.startswith("error: serve: --cors-origin: ")
