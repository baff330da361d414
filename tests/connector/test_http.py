"""TLS at the connectors' edge: verified by default, an untrusted certificate is a clear error, and a
private CA bundle is an explicit, logged opt-in. A real HTTPS server on loopback with a certificate
made here (nothing is mocked below the socket)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from common.errors import ConnectorError
from connector.bc import BusinessCentralConnector


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "erp.internal.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "ca.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._json({"token_type": "Bearer", "expires_in": 3599, "access_token": "t0k3n"})

    def do_GET(self) -> None:
        self._json({"@odata.context": "x", "value": [{"number": "C1", "displayName": "Alpha"}]})


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, key = self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()


def connect(base: str, ca_bundle: str | None = None) -> BusinessCentralConnector:
    return BusinessCentralConnector(
        tenant_id="t",
        environment="production",
        company_id="c",
        client_id="app",
        client_secret="s",
        base_url=base,
        login_url=base + "/{tenant}/oauth2/v2.0/token",
        ca_bundle=ca_bundle,
        requests_per_minute=0,
        retry={"attempts": 2, "max_wait": 0.01, "multiplier": 0.001},
    )


def test_an_untrusted_certificate_is_refused_and_the_error_names_the_fix(https: tuple[str, Path]) -> None:
    base, _ = https
    with pytest.raises(ConnectorError) as caught:
        connect(base).probe()
    assert "not trusted" in caught.value.message
    assert "ca_bundle" in (caught.value.hint or "")


def test_a_private_ca_bundle_is_an_explicit_and_logged_opt_in(
    https: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    base, cert = https
    with caplog.at_level(logging.WARNING):
        connector = connect(base, ca_bundle=str(cert))
        connector.probe()  # verified against the bundle: the same certificate now passes
    assert any("private CA bundle" in r.getMessage() and str(cert) in r.getMessage() for r in caplog.records)
