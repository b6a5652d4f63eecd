"""``client.dns``: the records of a zone."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, NotFoundError, ValidationError
from reseller_api.wire.accounts import AccountDetail


def test_dns_records_crud_and_filters(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    records = sdk.dns.records("example.com")
    record_id = records.create("TXT", "", content="v=spf1 -all", ttl=3600)
    assert record_id
    mx_id = records.create("MX", "", content="mail.example.com", priority=10)
    created = records.get(record_id)
    assert (created.type, created.content, created.ttl) == ("TXT", "v=spf1 -all", 3600)
    assert [r.id for r in records.list(type="TXT")] == [record_id]
    assert {r.id for r in records.iter_all(page_size=1)} >= {record_id, mx_id}
    records.update(record_id, "TXT", "", content="v=spf1 mx -all", ttl=600)
    assert records.get(record_id).content == "v=spf1 mx -all"
    with pytest.raises(NotFoundError):
        other_sdk.dns.records("example.com").get(record_id)
    with pytest.raises(ValidationError):
        records.create("A", "www", content="not an address")
    records.delete(record_id)
    with pytest.raises(NotFoundError):
        records.get(record_id)
