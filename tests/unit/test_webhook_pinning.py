"""A delivery connects to the addresses its check vetted, and TLS is still the name's
(resources/webhooks/pinning.py): a real TLS receiver on loopback, a certificate from a
throw-away authority, and a name the system's resolver never answers."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reseller_api.resources.webhooks.pinning import PINNED_ADDRESSES, PinnedTransport

CA_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test webhooks CA")])
NAME = "hooks.test"  # .test never resolves (RFC 6761): only the pin can reach the receiver
LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass
class Authority:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    name: x509.Name = CA_NAME

    def certificate(self) -> x509.Certificate:
        return self._sign(self.name, self.key.public_key(), ca=True, names=[])

    def issue(self, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        return key, self._sign(subject, key.public_key(), ca=False, names=[name])

    def _sign(
        self, subject: x509.Name, public: ec.EllipticCurvePublicKey, *, ca: bool, names: list[str]
    ) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256())


@dataclass
class TlsReceiver:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def authority() -> Authority:
    return Authority()


@pytest.fixture
def client_context(authority: Authority) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=_pem(authority.certificate()).decode())


def _serve(tmp_path: Path, authority: Authority, certified_name: str) -> Iterator[TlsReceiver]:
    key, cert = authority.issue(certified_name)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "cert.pem").write_bytes(_pem(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            state.hosts.append(self.headers.get("host", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    state = TlsReceiver(server.server_address[1])

    def record_sni(sock: Any, server_name: str | None, ctx: ssl.SSLContext) -> None:
        state.server_names.append(server_name)

    context.sni_callback = record_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(tmp_path: Path, authority: Authority) -> Iterator[TlsReceiver]:
    yield from _serve(tmp_path, authority, NAME)


@pytest.fixture
def impostor(tmp_path: Path, authority: Authority) -> Iterator[TlsReceiver]:
    """A receiver at the vetted address with a valid certificate, but for another name."""
    yield from _serve(tmp_path, authority, "other.test")


@pytest.fixture(autouse=True)
def _name_never_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".test"):
            raise AssertionError(f"{host} was resolved again: the connection must use the vetted address")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _post(context: ssl.SSLContext, url: str, vetted: tuple[Any, ...] | None) -> httpx.Response:
    extensions = {} if vetted is None else {PINNED_ADDRESSES: vetted}
    with httpx.Client(transport=PinnedTransport(verify=context), timeout=5) as client:
        return client.post(url, content=b"{}", extensions=extensions)


def test_the_connection_goes_to_the_vetted_address_with_the_names_tls_and_host(
    receiver: TlsReceiver, client_context: ssl.SSLContext
) -> None:
    response = _post(client_context, f"https://{NAME}:{receiver.port}/hook", (LOOPBACK,))
    assert response.status_code == 204
    assert receiver.server_names == [NAME]
    assert receiver.hosts == [f"{NAME}:{receiver.port}"]


def test_the_certificate_is_verified_against_the_name(
    impostor: TlsReceiver, client_context: ssl.SSLContext
) -> None:
    with pytest.raises(httpx.ConnectError, match="Hostname mismatch"):
        _post(client_context, f"https://{NAME}:{impostor.port}/hook", (LOOPBACK,))
    assert impostor.hosts == []


def test_without_vetted_addresses_nothing_is_connected(
    receiver: TlsReceiver, client_context: ssl.SSLContext
) -> None:
    for vetted in (None, ()):
        with pytest.raises(httpx.ConnectError, match="was not checked"):
            _post(client_context, f"https://{NAME}:{receiver.port}/hook", vetted)
    assert receiver.server_names == []


def test_the_vetted_addresses_are_tried_in_turn(
    receiver: TlsReceiver, client_context: ssl.SSLContext
) -> None:
    refusing = ipaddress.ip_address("127.0.0.2")  # loopback too, but nobody listens there
    response = _post(client_context, f"https://{NAME}:{receiver.port}/hook", (refusing, LOOPBACK))
    assert response.status_code == 204
