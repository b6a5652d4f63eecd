"""``resellerctl mailboxes``: creating and listing mailboxes."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_mailboxes(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    ok("mailboxes", "create", "info@cli.example", "--account-id", str(account["id"]), "--password-stdin",
       stdin="Mailbox123x\n")  # fmt: skip
    assert "info@cli.example" in ok("mailboxes", "list", "cli.example")
