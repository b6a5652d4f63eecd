"""``resellerctl mailzones``: a mail zone's aliases."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_mailzones(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    ok("mailzones", "alias-add", "cli.example", "sales@cli.example", "a@example.org")
    zone = json.loads(ok("mailzones", "show", "cli.example", "--json"))
    assert zone["aliases"] == [{"email_address": "sales@cli.example", "destinations": ["a@example.org"]}]
