"""``client.mailboxes``: mailboxes, their quota, password, auto-reply and auto-forward."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, NotFoundError
from reseller_api.wire.accounts import AccountDetail


def test_mailboxes(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    boxes = sdk.mailboxes
    location = boxes.create("info@example.com", account.id, "Mailbox123x")
    assert location == "/v2/mailboxes/info@example.com"
    assert [b.name for b in boxes.list("example.com")] == ["info@example.com"]
    assert boxes.quota("example.com")[0].account_id == account.id
    boxes.set_password("info@example.com", "Other456y")
    boxes.set_auto_reply("info@example.com", True, "Away", "Back soon")
    boxes.set_auto_forward("info@example.com", True, ["me@example.org"], copy_to_myself=True)
    detail = boxes.get("info@example.com")
    assert (detail.auto_reply.subject, detail.auto_forward.email_addresses) == ("Away", ["me@example.org"])
    with pytest.raises(NotFoundError):
        other_sdk.mailboxes.get("info@example.com")
    boxes.delete("info@example.com")
    assert boxes.list("example.com") == []
