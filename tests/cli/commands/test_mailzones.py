"""``resellerctl mailzones``: a mail zone's aliases."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.integration


def test_mailzones(account: dict[str, object], ok: Callable[..., str]) -> None:
    ok("mailzones", "alias-add", "cli.example", "sales@cli.example", "a@example.org")
    zone = json.loads(ok("mailzones", "show", "cli.example", "--json"))
    assert zone["aliases"] == [{"email_address": "sales@cli.example", "destinations": ["a@example.org"]}]
