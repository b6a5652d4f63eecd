"""Certificate issuers without a network: self-signed issuance, reuse, renewal, ACME fallback."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
import requests
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reseller_api.backends import acme_issuer
from reseller_api.backends.acme_challenges import AcmeFailure
from reseller_api.backends.acme_issuer import AcmeIssuer
from reseller_api.backends.base import BackendRefused
from reseller_api.backends.certificate_store import (
    CertificateSlot,
    new_private_key,
    normalise_names,
    self_signed_certificate,
)
from reseller_api.backends.certificates import (
    NO_ACME_NOTE,
    SelfSignedIssuer,
    build_certificate_issuer,
    renew_due,
)
from reseller_api.settings import Settings

URL = "https://acme.example.net/directory"
START = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def _leaf(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _san(cert: x509.Certificate) -> list[str]:
    extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return list(extension.value.get_values_for_type(x509.DNSName))


# --- names ----------------------------------------------------------------------------------


def test_names_are_normalised_and_deduplicated() -> None:
    assert normalise_names(["Example.COM.", "www.example.com", "example.com"]) == (
        "example.com",
        "www.example.com",
    )
    assert normalise_names(["*.example.com"]) == ("*.example.com",)


@pytest.mark.parametrize("bad", ["../etc", "a/b.example.com", "", "example", "ex ample.com", "..example.com"])
def test_names_that_are_not_host_names_are_refused(bad: str) -> None:
    with pytest.raises(BackendRefused, match="not a host name"):
        normalise_names([bad])


def test_no_names_is_refused() -> None:
    with pytest.raises(BackendRefused):
        normalise_names([])


def test_wildcard_directory_has_no_star(tmp_path: Path) -> None:
    assert CertificateSlot(tmp_path, ["*.example.com"]).directory == tmp_path / "_wildcard.example.com"


# --- self-signed ----------------------------------------------------------------------------


def test_self_signed_certificate_covers_every_name() -> None:
    key_pem, cert_pem = self_signed_certificate(["example.com", "www.example.com"], START)
    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)

    assert _san(cert) == ["example.com", "www.example.com"]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "example.com"
    assert cert.issuer == cert.subject
    assert cert.not_valid_after_utc == START + dt.timedelta(days=90)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == cert.public_key()
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_a_first_name_too_long_for_a_cn_stays_in_the_san() -> None:
    long_name = ("a" * 60) + ".example.com"
    cert = x509.load_pem_x509_certificate(self_signed_certificate([long_name], START)[1])
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME) == []
    assert _san(cert) == [long_name]


def test_self_signed_issuer_writes_files_with_modes(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path / "certificates")
    issued = issuer.ensure(["example.com", "www.example.com"])

    assert issuer.challenge_dir is None
    assert issued.self_signed
    assert issued.note == NO_ACME_NOTE
    assert issued.fullchain == tmp_path / "certificates" / "example.com" / "fullchain.pem"
    assert issued.private_key.stat().st_mode & 0o777 == 0o600
    assert issued.fullchain.stat().st_mode & 0o777 == 0o644
    assert _san(_leaf(issued.fullchain)) == ["example.com", "www.example.com"]
    # No temporary files left behind by the atomic writes.
    assert sorted(p.name for p in issued.fullchain.parent.iterdir()) == [
        ".lock",
        "fullchain.pem",
        "meta.json",
        "privkey.pem",
    ]


def test_self_signed_issuer_reuses_a_valid_certificate(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    first = issuer.ensure(["example.com"])
    serial = _leaf(first.fullchain).serial_number
    key = first.private_key.read_bytes()

    second = issuer.ensure(["EXAMPLE.com."])

    assert _leaf(second.fullchain).serial_number == serial
    assert second.private_key.read_bytes() == key


def test_renewal_threshold_is_thirty_days(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    with time_machine.travel(START, tick=False):
        serial = _leaf(issuer.ensure(["example.com"]).fullchain).serial_number
    # 90-day certificate: 31 days left is kept ...
    with time_machine.travel(START + dt.timedelta(days=59), tick=False):
        assert _leaf(issuer.ensure(["example.com"]).fullchain).serial_number == serial
    # ... 29 days left is renewed, for another 90 days from then.
    later = START + dt.timedelta(days=61)
    with time_machine.travel(later, tick=False):
        renewed = issuer.ensure(["example.com"])
    assert _leaf(renewed.fullchain).serial_number != serial
    assert renewed.not_after == later + dt.timedelta(days=90)


def test_renew_due_renews_only_what_is_close_to_expiry(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    assert renew_due(SelfSignedIssuer(tmp_path / "nothing-yet")) == []
    with time_machine.travel(START, tick=False):
        old = issuer.ensure(["example.com", "www.example.com"])
        issuer.ensure(["*.example.org"])
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        young = issuer.ensure(["example.net"])
    (tmp_path / "stray").mkdir()  # not a certificate: skipped

    with time_machine.travel(START + dt.timedelta(days=61), tick=False):
        renewed = renew_due(issuer)
        assert renew_due(issuer) == []

    assert sorted(str(c.fullchain.parent.name) for c in renewed) == ["_wildcard.example.org", "example.com"]
    assert young.fullchain not in {c.fullchain for c in renewed}
    assert _san(_leaf(old.fullchain)) == ["example.com", "www.example.com"]


def test_changed_names_reissue(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    issuer.ensure(["example.com"])
    issued = issuer.ensure(["example.com", "www.example.com"])
    assert _san(_leaf(issued.fullchain)) == ["example.com", "www.example.com"]


def test_a_key_that_does_not_match_is_replaced(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    issued = issuer.ensure(["example.com"])
    issued.private_key.write_bytes(new_private_key()[1])

    again = issuer.ensure(["example.com"])

    key = serialization.load_pem_private_key(again.private_key.read_bytes(), password=None)
    assert key.public_key() == _leaf(again.fullchain).public_key()


def test_remove_is_idempotent(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    issued = issuer.ensure(["example.com"])
    issuer.remove(["example.com"])
    issuer.remove(["example.com"])
    assert not issued.fullchain.parent.exists()


def test_concurrent_ensures_leave_a_matching_pair(tmp_path: Path) -> None:
    issuer = SelfSignedIssuer(tmp_path)
    errors: list[BaseException] = []

    def run(names: Sequence[str]) -> None:
        try:
            issuer.ensure(names)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    # Alternating name sets force a reissue on (almost) every call.
    threads = [
        threading.Thread(target=run, args=(["example.com"] if i % 2 else ["example.com", "www.example.com"],))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    slot = CertificateSlot(tmp_path, ["example.com"])
    assert slot.load() is not None  # load() checks that the key matches the certificate


def test_unwritable_directory_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(BackendRefused):
        SelfSignedIssuer(blocker).ensure(["example.com"])


# --- choosing the issuer ----------------------------------------------------------------------


def test_without_acme_url_the_issuer_is_self_signed_beside_nginx(tmp_path: Path) -> None:
    issuer = build_certificate_issuer(Settings(data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx"))
    assert isinstance(issuer, SelfSignedIssuer)
    assert issuer.ensure(["example.com"]).fullchain.is_relative_to(tmp_path / "nginx" / "certificates")


def test_without_nginx_dir_the_data_dir_holds_certificates(tmp_path: Path) -> None:
    issuer = build_certificate_issuer(Settings(data_dir=tmp_path))
    assert issuer.ensure(["example.com"]).fullchain.is_relative_to(tmp_path / "certificates")


def test_with_acme_url_the_issuer_answers_challenges(tmp_path: Path) -> None:
    issuer = build_certificate_issuer(
        Settings(data_dir=tmp_path, nginx_conf_dir=tmp_path / "nginx", acme_directory_url=URL)
    )
    assert isinstance(issuer, AcmeIssuer)
    assert issuer.challenge_dir == tmp_path / "nginx" / "acme-challenges"


# --- ACME fallback (the order itself is faked; tests/integration/test_backend_acme.py runs pebble) --


class _FakeOrders:
    """Stands in for AcmeIssuer._order: fails or "issues" from a throw-away CA, counting calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: AcmeFailure | None = None
        self.ca_key = ec.generate_private_key(ec.SECP256R1())

    def __call__(self, names: Sequence[str]) -> tuple[bytes, bytes]:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        key, key_pem = new_private_key()
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Let's Encrypt"),
                        x509.NameAttribute(NameOID.COMMON_NAME, "R11"),
                    ]
                )
            )
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> _FakeOrders:
    fake = _FakeOrders()
    monkeypatch.setattr(AcmeIssuer, "_order", lambda self, names: fake(names))
    return fake


def _acme(tmp_path: Path) -> AcmeIssuer:
    return AcmeIssuer(
        URL,
        certificates=tmp_path / "certificates",
        challenges=tmp_path / "challenges",
        accounts=tmp_path / "accounts",
        retry_after=dt.timedelta(hours=1),
    )


def test_acme_success_is_not_self_signed_and_is_reused(tmp_path: Path, orders: _FakeOrders) -> None:
    issuer = _acme(tmp_path)
    issued = issuer.ensure(["example.com"])
    assert not issued.self_signed
    assert issued.note == f"Issued by Let's Encrypt over ACME ({URL})"
    issuer.ensure(["example.com"])
    assert orders.calls == 1


def test_unreachable_acme_gives_self_signed_with_the_reason(tmp_path: Path, orders: _FakeOrders) -> None:
    orders.failure = AcmeFailure("connection refused", reached=False)
    issued = _acme(tmp_path).ensure(["example.com"])
    assert issued.self_signed
    assert issued.note == f"Self-signed: the ACME server at {URL} could not be reached (connection refused)"
    cert = _leaf(issued.fullchain)
    assert cert.issuer == cert.subject


def test_refused_order_says_refused(tmp_path: Path, orders: _FakeOrders) -> None:
    orders.failure = AcmeFailure("rate limited", reached=True)
    issued = _acme(tmp_path).ensure(["example.com"])
    assert issued.note == f"Self-signed: the ACME server at {URL} refused the certificate (rate limited)"


def test_failed_order_is_retried_only_after_the_pause(tmp_path: Path, orders: _FakeOrders) -> None:
    orders.failure = AcmeFailure("connection refused", reached=False)
    issuer = _acme(tmp_path)
    with time_machine.travel(START, tick=False):
        stand_in = issuer.ensure(["example.com"])
        key = stand_in.private_key.read_bytes()
    with time_machine.travel(START + dt.timedelta(minutes=59), tick=False):
        issuer.ensure(["example.com"])
    assert orders.calls == 1
    # After the pause: tried again; still failing, the fresh stand-in is kept (same key).
    with time_machine.travel(START + dt.timedelta(minutes=61), tick=False):
        assert issuer.ensure(["example.com"]).private_key.read_bytes() == key
    assert orders.calls == 2
    # Once the CA answers, the stand-in is replaced by a real certificate.
    orders.failure = None
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        issued = issuer.ensure(["example.com"])
    assert not issued.self_signed
    assert orders.calls == 3


def test_a_self_signed_certificate_from_before_acme_is_upgraded_at_once(
    tmp_path: Path, orders: _FakeOrders
) -> None:
    SelfSignedIssuer(tmp_path / "certificates").ensure(["example.com"])
    issued = _acme(tmp_path).ensure(["example.com"])
    assert not issued.self_signed
    assert orders.calls == 1


def test_failed_renewal_keeps_the_valid_acme_certificate(tmp_path: Path, orders: _FakeOrders) -> None:
    issuer = _acme(tmp_path)
    first = issuer.ensure(["example.com"])
    serial = _leaf(first.fullchain).serial_number
    orders.failure = AcmeFailure("timed out", reached=False)

    # 70 days on: in the renewal window, the order fails, the ACME certificate still serves.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=70), tick=False):
        kept = issuer.ensure(["example.com"])
    assert not kept.self_signed
    assert _leaf(kept.fullchain).serial_number == serial
    assert "renewal failed" in kept.note
    assert "could not be reached (timed out)" in kept.note

    # Expired: nothing valid is left, so a self-signed stand-in takes over.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=95), tick=False):
        replaced = issuer.ensure(["example.com"])
    assert replaced.self_signed


def test_network_reasons_are_short() -> None:
    refused = requests.ConnectionError(
        "HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /dir "
        "(Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object>: "
        "Failed to establish a new connection: [Errno 111] Connection refused'))"
    )
    assert acme_issuer._network_reason(refused) == "connection refused"
    assert acme_issuer._network_reason(requests.ConnectTimeout("...")) == "timed out"
    assert acme_issuer._network_reason(requests.exceptions.SSLError("...")).startswith("TLS handshake failed")


def test_hostile_challenge_tokens_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AcmeFailure, match="base64url"):
        _acme(tmp_path).acme._write_challenge("../../etc/passwd", "x")


def test_challenge_files_are_named_after_their_token(tmp_path: Path) -> None:
    path = _acme(tmp_path).acme._write_challenge("abc_DEF-123", "abc_DEF-123.thumbprint")
    assert path == tmp_path / "challenges" / "abc_DEF-123"
    assert path.read_text() == "abc_DEF-123.thumbprint"
    assert path.stat().st_mode & 0o777 == 0o644
