"""``resellerctl mailboxes``: creating and listing mailboxes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytestmark = pytest.mark.integration


def test_mailboxes(account: dict[str, object], ok: Callable[..., str]) -> None:
    ok("mailboxes", "create", "info@cli.example", "--account-id", str(account["id"]), "--password-stdin",
       stdin="Mailbox123x\n")  # fmt: skip
    assert "info@cli.example" in ok("mailboxes", "list", "cli.example")
