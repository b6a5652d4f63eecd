"""``client.mailzones``: aliases, catch-all, anti-spam and SMTP domains of a mail zone."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, NotFoundError
from reseller_api.wire.accounts import AccountDetail


def test_mail_zone_aliases_catch_all_anti_spam_and_smtp_domains(
    sdk: Client, other_sdk: Client, account: AccountDetail
) -> None:
    zones = sdk.mailzones
    zones.add_alias("example.com", "sales@example.com", ["a@example.org"])
    zones.update_alias("example.com", "sales@example.com", ["a@example.org", "b@example.org"])
    assert zones.get("example.com").aliases[0].destinations == ["a@example.org", "b@example.org"]
    zones.delete_alias("example.com", "sales@example.com")
    zones.add_catch_all("example.com", "all@example.org")
    assert zones.get("example.com").catch_all.email_addresses == ["all@example.org"]
    zones.delete_catch_all("example.com", "all@example.org")
    zones.set_anti_spam("example.com", "advanced")
    assert zones.get("example.com").anti_spam.type == "advanced"
    zones.add_smtp_domain("example.com", "example.be")
    zones.update_smtp_domain("example.com", "example.be", False)
    assert zones.get("example.com").smtp_domains[0].enabled is False
    zones.delete_smtp_domain("example.com", "example.be")
    with pytest.raises(NotFoundError):
        other_sdk.mailzones.get("example.com")
