"""The ACME issuer against a real ACME server: Debian's pebble, on loopback.

Pebble validates HTTP-01 by fetching ``http://<name>:<httpPort>/.well-known/acme-challenge/<token>``.
Here ``pebble-challtestsrv`` (same package) answers pebble's DNS queries with 127.0.0.1 for
every name, and a stdlib HTTP server in a thread serves the issuer's ``challenge_dir`` at
``/.well-known/acme-challenge/``, as nginx's ``location ^~ /.well-known/acme-challenge/
{ alias <challenge_dir>/; }`` does in production. Pebble's HTTPS listener uses a certificate
from a throw-away CA made here.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import ipaddress
import json
import os
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reseller_api.backends.acme_issuer import AcmeIssuer
from reseller_api.backends.certificate_store import RENEW_BEFORE
from reseller_api.backends.certificates import build_certificate_issuer
from reseller_api.settings import Settings
from tests.integration.realservers import free_port, require_binary

pytestmark = pytest.mark.integration

START_TIMEOUT = 15.0


@dataclass(frozen=True)
class Pebble:
    directory_url: str
    ca_bundle: Path
    # The port pebble fetches HTTP-01 challenges from (our challenge server listens there).
    http_port: int


def _make_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a localhost/127.0.0.1 leaf it signed: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reseller-api test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def _wait_for(url: str, ca: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pebble exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, verify=context, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"pebble did not answer at {url}: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def pebble(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pebble]:
    pebble_bin = require_binary("pebble")
    challtestsrv_bin = require_binary("pebble-challtestsrv")
    home = tmp_path_factory.mktemp("pebble")
    ca, cert, key = _make_tls_files(home)
    listen, management, http_port, tls_port, dns_port, dns_management = (free_port() for _ in range(6))
    config = home / "pebble-config.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"127.0.0.1:{listen}",
                    "managementListenAddress": f"127.0.0.1:{management}",
                    "certificate": str(cert),
                    "privateKey": str(key),
                    "httpPort": http_port,
                    "tlsPort": tls_port,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    # Fake DNS: every A query answers 127.0.0.1, where our challenge server listens.
    dns_log = home / "challtestsrv.log"
    dns_output = dns_log.open("wb")
    # Only the fake DNS server: no HTTP/TLS challenge listeners, no AAAA answers.
    disabled = ["-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv6", ""]
    dns = subprocess.Popen(
        [
            challtestsrv_bin,
            *("-dns01", f"127.0.0.1:{dns_port}", "-management", f"127.0.0.1:{dns_management}"),
            *("-defaultIPv4", "127.0.0.1", *disabled),
        ],
        stdout=dns_output,
        stderr=subprocess.STDOUT,
        cwd=home,
    )
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    pebble_log = home / "pebble.log"
    pebble_output = pebble_log.open("wb")
    server = subprocess.Popen(
        [pebble_bin, "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"],
        stdout=pebble_output,
        stderr=subprocess.STDOUT,
        cwd=home,
        env=env,
    )
    try:
        _wait_for(f"https://127.0.0.1:{listen}/dir", ca, server, pebble_log)
        yield Pebble(f"https://127.0.0.1:{listen}/dir", ca, http_port)
    finally:
        _stop(server)
        _stop(dns)
        pebble_output.close()
        dns_output.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def challenge_server(pebble: Pebble, tmp_path: Path) -> Iterator[Path]:
    """Serve the issuer's challenge_dir at /.well-known/acme-challenge/ on pebble's HTTP-01 port."""
    root = tmp_path / "web"
    challenges = root / ".well-known" / "acme-challenge"
    challenges.mkdir(parents=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", pebble.http_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield challenges
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _issuer(pebble: Pebble, tmp_path: Path) -> AcmeIssuer:
    return AcmeIssuer(
        pebble.directory_url,
        certificates=tmp_path / "certificates",
        # Where the challenge_server fixture serves /.well-known/acme-challenge/ from.
        challenges=tmp_path / "web" / ".well-known" / "acme-challenge",
        accounts=tmp_path / "accounts",
        ca_bundle=pebble.ca_bundle,
    )


def _leaf(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _san(cert: x509.Certificate) -> set[str]:
    return set(
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    )


def test_issues_over_http01_and_reuses(pebble: Pebble, challenge_server: Path, tmp_path: Path) -> None:
    issuer = _issuer(pebble, tmp_path)
    assert issuer.challenge_dir == challenge_server

    issued = issuer.ensure(["shop.example.com", "www.shop.example.com"])

    assert not issued.self_signed, issued.note
    assert issued.note.startswith("Issued by Pebble"), issued.note
    cert = _leaf(issued.fullchain)
    assert _san(cert) == {"shop.example.com", "www.shop.example.com"}
    assert cert.issuer != cert.subject
    # Leaf plus pebble's intermediate: nginx serves the whole chain.
    assert issued.fullchain.read_text().count("BEGIN CERTIFICATE") >= 2
    assert issued.private_key.stat().st_mode & 0o777 == 0o600
    assert issued.fullchain.stat().st_mode & 0o777 == 0o644
    assert issuer.account_key_file.stat().st_mode & 0o777 == 0o600
    # Challenge files are removed once the order is done.
    assert list(challenge_server.iterdir()) == []

    # A second ensure reuses the certificate: no new order, same files, same key.
    key_before = issued.private_key.read_bytes()
    again = _issuer(pebble, tmp_path).ensure(["www.shop.example.com", "shop.example.com"][::-1])
    assert again.private_key.read_bytes() == key_before
    assert _leaf(again.fullchain).serial_number == cert.serial_number


def test_renews_when_names_change(pebble: Pebble, challenge_server: Path, tmp_path: Path) -> None:
    issuer = _issuer(pebble, tmp_path)
    first = issuer.ensure(["blog.example.org"])
    second = issuer.ensure(["blog.example.org", "www.blog.example.org"])

    assert not second.self_signed
    assert _san(_leaf(second.fullchain)) == {"blog.example.org", "www.blog.example.org"}
    assert second.fullchain == first.fullchain  # same directory, new certificate in it


def test_validation_failure_falls_back_to_self_signed(pebble: Pebble, tmp_path: Path) -> None:
    # No challenge server: pebble's fetch is refused, the order fails, HTTPS still gets a cert.
    issued = _issuer(pebble, tmp_path).ensure(["nochallenge.example.com"])

    assert issued.self_signed
    assert issued.note.startswith(f"Self-signed: the ACME server at {pebble.directory_url} refused"), (
        issued.note
    )
    assert "nochallenge.example.com" in issued.note
    cert = _leaf(issued.fullchain)
    assert cert.issuer == cert.subject
    assert _san(cert) == {"nochallenge.example.com"}


def test_unreachable_server_falls_back_to_self_signed(tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{free_port()}/dir"
    settings = Settings(data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx", acme_directory_url=url)
    issuer = build_certificate_issuer(settings)
    assert issuer.challenge_dir == tmp_path / "nginx" / "acme-challenges"

    issued = issuer.ensure(["down.example.com"])

    assert issued.self_signed
    assert issued.note == f"Self-signed: the ACME server at {url} could not be reached (connection refused)"
    assert issued.fullchain.parent == tmp_path / "nginx" / "certificates" / "down.example.com"
    assert issued.not_after is not None
    assert issued.not_after - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    # Within the retry pause the stand-in is reused without another try.
    again = issuer.ensure(["down.example.com"])
    assert again.private_key.read_bytes() == issued.private_key.read_bytes()


def test_untrusted_tls_is_reported(pebble: Pebble, tmp_path: Path) -> None:
    issuer = AcmeIssuer(
        pebble.directory_url,
        certificates=tmp_path / "certificates",
        challenges=tmp_path / "challenges",
        accounts=tmp_path / "accounts",
    )
    issued = issuer.ensure(["untrusted.example.com"])
    assert issued.self_signed
    assert "could not be reached (TLS handshake failed" in issued.note


def test_private_ca_trusted_through_requests_ca_bundle(
    pebble: Pebble, challenge_server: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What docs/backends.md tells operators of a private ACME CA (step-ca, pebble) to do.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pebble.ca_bundle))
    settings = Settings(
        data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx", acme_directory_url=pebble.directory_url
    )
    issuer = build_certificate_issuer(settings)
    assert isinstance(issuer, AcmeIssuer)
    issuer.challenges = challenge_server  # where this test's stand-in for nginx serves from

    issued = issuer.ensure(["private.example.com"])

    assert not issued.self_signed, issued.note
