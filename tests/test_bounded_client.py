"""The checker's HTTP client over TLS: one context for the process, and it still verifies."""

from __future__ import annotations

import http.server
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from loopback import serving_in_thread

from conformance.engine.bounded import BoundedClient


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTPS server whose certificate no authority signed."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serving_in_thread(_Hello, tls=context) as url:
        yield url


def test_clients_share_one_tls_context_that_refuses_an_unsigned_certificate(
    self_signed_https: str,
) -> None:
    with BoundedClient(timeout=5) as first, BoundedClient(timeout=5) as second:
        contexts = [c._client._transport._pool._ssl_context for c in (first, second)]
        assert contexts[0] is contexts[1]
        assert contexts[0].verify_mode is ssl.CERT_REQUIRED and contexts[0].check_hostname
        for client in (first, second):
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                client.get(self_signed_https + "/")
