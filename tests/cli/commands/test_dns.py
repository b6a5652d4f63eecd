"""``resellerctl dns``: the records of a zone."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_dns_records(
    site: Site, alice: dict[str, str], bob: dict[str, str], account: dict[str, object]
) -> None:
    added = site.ctl("dns", "add", "cli.example", "MX", "--content", "mail.cli.example", "--priority", "10",
                     "--json", **alice)  # fmt: skip
    assert added.returncode == 0, added.stderr
    record_id = json.loads(added.stdout)["id"]
    listed = json.loads(site.ctl("dns", "list", "cli.example", "--type", "MX", "--json", **alice).stdout)
    assert [r["id"] for r in listed] == [record_id]
    updated = site.ctl("dns", "update", "cli.example", record_id, "MX", "--content", "mx2.cli.example",
                       "--priority", "20", **alice)  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    shown = json.loads(site.ctl("dns", "show", "cli.example", record_id, "--json", **alice).stdout)
    assert (shown["content"], shown["priority"]) == ("mx2.cli.example", 20)
    assert site.ctl("dns", "show", "cli.example", record_id, **bob).returncode == 1
    assert "mx2.cli.example" in site.ctl("dns", "list", "cli.example", **alice).stdout
    assert site.ctl("dns", "delete", "cli.example", record_id, **alice).returncode == 0
    assert site.ctl("dns", "show", "cli.example", record_id, **alice).returncode == 1
