"""A real ACME server for tests: Debian's pebble, on loopback, and a stand-in for nginx's challenge location.

Pebble validates HTTP-01 by fetching ``http://<name>:<httpPort>/.well-known/acme-challenge/<token>``.
``pebble-challtestsrv`` (same package) answers pebble's DNS queries with 127.0.0.1 for every
name (or pebble asks a real DNS server given to :func:`running_pebble`, for DNS-01), and
:func:`serving_challenges` serves an issuer's challenge directory there from a stdlib HTTP
server in a thread. Pebble's HTTPS listener uses a certificate from a throw-away CA made
here (``Pebble.ca_bundle``: what ``REQUESTS_CA_BUNDLE`` or ``ca_bundle=`` trust).
Used by the ``pebble`` fixture (tests/integration/conftest.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import ipaddress
import json
import os
import ssl
import subprocess
import tempfile
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

from tests.integration.realservers import free_port, require_binary

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


@contextlib.contextmanager
def running_pebble(home: Path, dns_server: str | None = None) -> Iterator[Pebble]:
    """Pebble and its fake DNS on free loopback ports, state and logs under ``home``.

    ``dns_server`` (``host:port``): the DNS server pebble asks instead of the fake one, for
    DNS-01 answered by a real authoritative server (a private PowerDNS)."""
    pebble_bin = require_binary("pebble")
    ca, cert, key = _make_tls_files(home)
    listen, management, http_port, tls_port = (free_port() for _ in range(4))
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
    with contextlib.ExitStack() as stack:
        if dns_server is None:
            dns_server = stack.enter_context(_fake_dns(home))
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        pebble_log = home / "pebble.log"
        pebble_output = stack.enter_context(pebble_log.open("wb"))
        server = subprocess.Popen(
            [pebble_bin, "-config", str(config), "-dnsserver", dns_server],
            stdout=pebble_output,
            stderr=subprocess.STDOUT,
            cwd=home,
            env=env,
        )
        stack.callback(_stop, server)
        _wait_for(f"https://127.0.0.1:{listen}/dir", ca, server, pebble_log)
        yield Pebble(f"https://127.0.0.1:{listen}/dir", ca, http_port)


@contextlib.contextmanager
def _fake_dns(home: Path) -> Iterator[str]:
    """pebble-challtestsrv's DNS server: every A query answers 127.0.0.1, where our challenge
    server listens. Yields its ``host:port``."""
    challtestsrv_bin = require_binary("pebble-challtestsrv")
    dns_port, dns_management = free_port(), free_port()
    # Only the fake DNS server: no HTTP/TLS challenge listeners, no AAAA answers.
    disabled = ["-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv6", ""]
    with (home / "challtestsrv.log").open("wb") as dns_output:
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
        try:
            yield f"127.0.0.1:{dns_port}"
        finally:
            _stop(dns)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving_challenges(pebble: Pebble, challenges: Path) -> Iterator[Path]:
    """Serve ``challenges`` at /.well-known/acme-challenge/ on pebble's HTTP-01 port, as nginx's
    ``location ^~ /.well-known/acme-challenge/ { alias <challenge_dir>/; }`` does."""
    challenges.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="acme-web-") as web:
        (Path(web) / ".well-known").mkdir()
        (Path(web) / ".well-known" / "acme-challenge").symlink_to(challenges.resolve())
        handler = functools.partial(_QuietHandler, directory=web)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", pebble.http_port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield challenges
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
