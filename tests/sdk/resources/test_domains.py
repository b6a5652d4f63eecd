"""``client.domains``: registrations, transfers, name servers and renewal."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, NotFoundError, ValidationError
from reseller_api.wire.domains import DomainDetail


def test_domains_register_transfer_and_settings(sdk: Client, other_sdk: Client) -> None:
    domain = sdk.domains.register("example.net", wait=True, timeout=15)
    assert isinstance(domain, DomainDetail)
    assert domain.domain_name == "example.net"
    moved = sdk.domains.transfer("transfer-me.be", "BE-AUTH-1234", wait=True, timeout=15)
    assert moved.domain_name == "transfer-me.be"
    assert {d.domain_name for d in sdk.domains.iter_all(page_size=1)} == {"example.net", "transfer-me.be"}
    assert len(sdk.domains.list(take=1)) == 1
    sdk.domains.set_name_servers("example.net", ["ns1.example.org", "ns2.example.org"])
    assert [n.name for n in sdk.domains.get("example.net").name_servers] == [
        "ns1.example.org",
        "ns2.example.org",
    ]
    if sdk.domains.get("example.net").can_toggle_renew:
        sdk.domains.set_will_renew("example.net", False)
        assert sdk.domains.get("example.net").will_renew is False
    with pytest.raises(NotFoundError):
        other_sdk.domains.get("example.net")
    with pytest.raises(ValidationError):
        sdk.domains.register("example.net")
