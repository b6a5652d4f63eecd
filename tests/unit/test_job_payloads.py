"""jobs/payloads.py: each kind's Struct reads the rows older versions stored, and an unreadable
job says what did not decode without quoting a value."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from reseller_api.jobs import payloads
from reseller_api.jobs.payloads import UnreadableJob
from reseller_api.jobs.registry import HANDLERS
from reseller_api.resources import registry
from reseller_api.resources.accounts.jobs import CREATE_ACCOUNT, CreateAccountJob
from reseller_api.resources.domains.jobs import REGISTER, TRANSFER, RegisterDomainJob, TransferDomainJob
from reseller_api.resources.mysqldatabases.jobs import (
    CREATE_DATABASE,
    CREATE_USER,
    CreateDatabaseJob,
    CreateUserJob,
)
from reseller_api.resources.sslcertificates.jobs import ISSUE, IssueCertificateJob

SECRET = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
DOMAIN = {
    "domain_id": 4,
    "domain_name": "example.be",
    "name_servers": ["ns1.example.net", "ns2.example.net"],
    "our_name_servers": True,
    "existing_zone": False,
    "soa_serial": 2026120601,
}
# What each kind's service stored before payloads were typed (the same keys, in the same order).
STORED: dict[str, dict[str, Any]] = {
    "account.create": {
        "account_id": 3,
        "identifier": "example.com",
        "assets": ["dns", "domain", "linux_hosting", "mailbox"],
        "ftp_username": "example.com",
        "ftp_password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "existing_zone": False,
        "domain_id": 9,
        "name_servers": ["ns1.example.net", "ns2.example.net"],
        "soa_serial": 2026120601,
    },
    "domain.register": DOMAIN,
    "domain.transfer": {**DOMAIN, "auth_code": "AUTH-1234"},
    "mysql.create_database": {
        "database_id": 1,
        "user_id": 2,
        "database": "db1_shop",
        "user": "db1_shop",
        "rights": "read_and_write",
        "password_hash": SECRET,
        "max_size_mb": 100,
    },
    "mysql.create_user": {
        "user_id": 5,
        "user": "db1_reader",
        "database": "db1_shop",
        "rights": "read_only",
        "password_hash": SECRET,
    },
    "ssl.issue": {"request_id": 6, "domain_name": "example.com", "names": ["example.com"], "days": 90},
}


@pytest.fixture(autouse=True)
def _installed() -> None:
    # The processes that run jobs install the manifests' handlers; importing them installs nothing.
    registry.install_jobs()


def test_each_kind_names_its_struct() -> None:
    expected = {
        CREATE_ACCOUNT: CreateAccountJob,
        REGISTER: RegisterDomainJob,
        TRANSFER: TransferDomainJob,
        CREATE_DATABASE: CreateDatabaseJob,
        CREATE_USER: CreateUserJob,
        ISSUE: IssueCertificateJob,
    }
    for handler, payload_type in expected.items():
        assert HANDLERS[handler.kind] is handler
        assert handler.payload_type is payload_type
    assert set(STORED) <= set(HANDLERS)


@pytest.mark.parametrize("kind", sorted(STORED))
def test_a_stored_row_decodes_and_encodes_back_to_the_same_keys(kind: str) -> None:
    handler, payload = payloads.read(kind, json.dumps(STORED[kind]))
    assert isinstance(payload, handler.payload_type)
    assert payloads.encode(payload) == STORED[kind]
    assert list(payloads.encode(payload)) == list(STORED[kind])


def test_fields_older_rows_lack_take_their_defaults() -> None:
    old = {"account_id": 3, "identifier": "example.com", "assets": ["mailbox"]}
    payload = payloads.decode(CreateAccountJob, json.dumps(old))
    assert payload == CreateAccountJob(account_id=3, identifier="example.com", assets=["mailbox"])
    assert (payload.domain_id, payload.name_servers, payload.soa_serial) == (None, [], None)
    assert not payload.existing_zone
    registration = payloads.decode(RegisterDomainJob, json.dumps({**DOMAIN, "soa_serial": None}))
    assert registration.soa_serial is None


def test_keys_it_does_not_know_are_ignored() -> None:
    newer = {**STORED["ssl.issue"], "added_later": True}
    assert payloads.decode(IssueCertificateJob, json.dumps(newer)) == IssueCertificateJob(
        request_id=6, domain_name="example.com", names=["example.com"], days=90
    )


def test_bytes_decode_too() -> None:
    assert payloads.decode(CreateUserJob, json.dumps(STORED["mysql.create_user"]).encode()).user_id == 5


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        pytest.param({"user": "db1_reader", "password_hash": SECRET}, "user_id", id="missing"),
        pytest.param({**STORED["mysql.create_user"], "user_id": SECRET}, "$.user_id", id="wrong-type"),
        pytest.param(
            {**STORED["mysql.create_user"], "password_hash": [SECRET]}, "$.password_hash", id="list"
        ),
        pytest.param([SECRET], "object", id="not-an-object"),
    ],
)
def test_an_unreadable_payload_names_the_field_never_the_value(stored: Any, named: str) -> None:
    with pytest.raises(UnreadableJob) as raised:
        payloads.decode(CreateUserJob, json.dumps(stored))
    assert "CreateUserJob" in str(raised.value)
    assert named in str(raised.value)
    assert SECRET not in str(raised.value)
    assert raised.value.__cause__ is None  # the msgspec error (and its input) is not chained


def test_text_that_is_not_json_is_unreadable() -> None:
    with pytest.raises(UnreadableJob, match="malformed"):
        payloads.decode(CreateUserJob, f"password_hash={SECRET}")


def test_an_unknown_kind_is_unreadable() -> None:
    with pytest.raises(UnreadableJob, match=r"no handler for job kind 'nothing\.known'"):
        payloads.read("nothing.known", "{}")


def test_encode_keeps_defaults_so_the_row_carries_every_key() -> None:
    payload = CreateAccountJob(account_id=1, identifier="example.com", assets=[])
    assert payloads.encode(payload) == {
        "account_id": 1,
        "identifier": "example.com",
        "assets": [],
        "ftp_username": None,
        "ftp_password_hash": None,
        "existing_zone": False,
        "domain_id": None,
        "name_servers": [],
        "soa_serial": None,
    }
    assert isinstance(msgspec.json.encode(payloads.encode(payload)), bytes)
