"""``resellerctl accounts``: list, show, create, and what another reseller sees."""

from __future__ import annotations

import json

import pytest

from tests.cli.commands.conftest import PASSWORD
from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_accounts_list_show_and_errors(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    assert account["identifier"] == "cli.example"
    table = site.ctl("accounts", "list", **alice)
    assert "cli.example" in table.stdout
    shown = json.loads(site.ctl("accounts", "show", str(account["id"]), "--json", **alice).stdout)
    assert shown == account
    missing = site.ctl("accounts", "show", "999999", **alice)
    assert missing.returncode == 1
    assert missing.stdout == ""
    code, _, text = missing.stderr.strip().partition(": ")
    assert code
    assert text
    again = site.ctl(
        "accounts", "create", "cli.example", "--servicepack-id", "1", "--ftp-password-stdin",
        stdin=PASSWORD, **alice,
    )  # fmt: skip
    assert again.returncode == 1
    assert again.stderr.startswith("account_identifier_in_use: ")


def test_another_reseller_sees_nothing(site: Site, bob: dict[str, str], account: dict[str, object]) -> None:
    assert json.loads(site.ctl("accounts", "list", "--json", **bob).stdout) == []
    hidden = site.ctl("accounts", "show", str(account["id"]), **bob)
    assert hidden.returncode == 1
    assert hidden.stderr.strip()
