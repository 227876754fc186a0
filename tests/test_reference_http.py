"""The reference server's HTTP layer: routing, body rules, enveloped errors, keep-alive."""

from __future__ import annotations

import socket

import httpx
import pytest

from reference_impl.app import create_app
from reference_impl.http.router import Router, Rule
from reference_impl.serving.embedded import Running

SESSION = "/auth/api/v1/authentication-management/session"


def assert_envelope(response: httpx.Response, code: int) -> dict:
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["data"] is None
    assert body["status"]["code"] == code
    assert isinstance(body["status"]["name"], str) and body["status"]["name"]
    assert isinstance(body["status"]["message"], str) and body["status"]["message"]
    return body


def test_unknown_path_is_enveloped_404(reference_server: Running) -> None:
    response = httpx.get(f"{reference_server.url}/no/such/path")
    assert_envelope(response, 404)


def test_known_path_other_method_is_405_with_allow(reference_server: Running) -> None:
    response = httpx.delete(f"{reference_server.url}{SESSION}")
    assert_envelope(response, 405)
    assert response.headers["allow"] == "PATCH, POST"


def test_head_is_answered_without_content_and_the_connection_stays_in_step(
    reference_server: Running,
) -> None:
    """RFC 9110 §9.3.2: no content in an answer to HEAD. Content sent anyway is read as the
    start of the next answer on the kept-alive socket, which then fails to parse."""
    port = int(reference_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(
            f"HEAD {SESSION} HTTP/1.1\r\nHost: x\r\n\r\n"
            f"OPTIONS {SESSION} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405") and b"Allow: PATCH, POST" in head, head
    assert rest.startswith(b"HTTP/1.1 "), rest[:200]  # the next answer, not HEAD's content


@pytest.mark.parametrize(
    ("method", "path", "allow", "body_keys"),
    [
        ("GET", "/api/user/login", "POST", {"error", "message"}),
        ("DELETE", "/auth/token", "POST", {"status", "message"}),
    ],
)
def test_405_on_another_system_path_uses_that_system_error_shape(
    reference_server: Running, method: str, path: str, allow: str, body_keys: set[str]
) -> None:
    response = httpx.request(method, f"{reference_server.url}{path}")
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert set(response.json()) == body_keys


def test_body_over_64_kib_is_413(reference_server: Running) -> None:
    body = b'{"email": "' + b"a" * (64 * 1024) + b'"}'
    response = httpx.post(
        f"{reference_server.url}{SESSION}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_envelope(response, 413)


def test_chunked_body_without_length_is_not_read_unbounded(reference_server: Running) -> None:
    def chunks():
        yield b'{"email": "'
        yield b"a" * (80 * 1024)
        yield b'"}'

    response = httpx.post(
        f"{reference_server.url}{SESSION}",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code in (400, 413)
    assert_envelope(response, response.status_code)


def test_non_json_content_type_is_415(reference_server: Running) -> None:
    response = httpx.post(
        f"{reference_server.url}{SESSION}", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert_envelope(response, 415)


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"",
        b"\xff\xfe{}",
        b'{"email": NaN}',
        b"[" * 5000 + b"]" * 5000,
        b'{"email": "\\ud800", "signature": "00", "authPublicKeyHex": "00"}',
        b"1" * 5000,
    ],
    ids=["truncated", "empty", "not-utf8", "nan", "deep", "lone-surrogate", "huge-int"],
)
def test_unparseable_bodies_are_400(reference_server: Running, body: bytes) -> None:
    response = httpx.post(
        f"{reference_server.url}{SESSION}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_envelope(response, 400)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        None,
        {},
        {"email": 1, "signature": [], "authPublicKeyHex": {}},
        {"email": "a", "signature": None, "authPublicKeyHex": "00"},
        {"email": "", "signature": "", "authPublicKeyHex": ""},
        {"email": "x" * 10000, "signature": "zz", "authPublicKeyHex": "ed0120"},
    ],
)
def test_garbage_login_bodies_get_4xx_never_500(reference_server: Running, payload) -> None:
    response = httpx.post(f"{reference_server.url}{SESSION}", json=payload)
    assert 400 <= response.status_code < 500
    assert_envelope(response, response.status_code)


def test_keep_alive_survives_an_error_with_an_unread_body(reference_server: Running) -> None:
    with httpx.Client(base_url=reference_server.url) as client:
        first = client.post("/no/such/path", content=b"x" * 1000)
        second = client.get("/.well-known/jwks.json")
    assert first.status_code == 404
    assert second.status_code == 200
    assert second.json()["keys"][0]["kty"] == "OKP"


def test_garbage_request_line_does_not_kill_the_server(reference_server: Running) -> None:
    port = int(reference_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x00\x01 garbage\r\n\r\n")
        sock.recv(1024)
    assert httpx.get(f"{reference_server.url}/.well-known/jwks.json").status_code == 200


def test_router_refuses_duplicate_rules() -> None:
    with pytest.raises(ValueError, match="duplicate route"):
        Router([Rule("POST", "/a", "x.one"), Rule("POST", "/a", "x.two")])


def test_router_refuses_paths_without_leading_slash() -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        Router([Rule("GET", "a", "x.one")])


def test_create_app_refuses_unknown_options(tmp_path) -> None:
    with pytest.raises(TypeError, match="signature_verifer"):
        create_app(tmp_path / "x.db", signature_verifer=lambda *a: True)


def test_unexpected_exception_becomes_enveloped_500(start_server, caplog) -> None:
    def exploding(email: str, key: bytes, signature: bytes) -> bool:
        raise RuntimeError("verifier exploded")

    server = start_server(demo_users=1, signature_verifier=exploding)
    user = server.credentials["fib"]["users"][0]
    from conformance.signing import sign_email

    with caplog.at_level("ERROR", logger="reference_impl"):
        response = httpx.post(
            f"{server.url}{SESSION}",
            json={
                "email": user["email"],
                "signature": sign_email(user["email"], user["privateKeyHex"]),
                "authPublicKeyHex": user["publicKeyHex"],
            },
        )
    body = assert_envelope(response, 500)
    assert "exploded" not in body["status"]["message"]
    assert any("verifier exploded" in (r.exc_text or "") for r in caplog.records)
