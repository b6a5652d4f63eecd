"""``resellerctl domains``: registration, name servers, listing."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_domains(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl("domains", "register", "cli-domain.net", "--wait", "--json", **alice)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["domain_name"] == "cli-domain.net"
    servers = site.ctl(
        "domains", "nameservers", "cli-domain.net", "ns1.example.org", "ns2.example.org", **alice
    )
    assert servers.returncode == 0, servers.stderr
    shown = json.loads(site.ctl("domains", "show", "cli-domain.net", "--json", **alice).stdout)
    assert [n["name"] for n in shown["name_servers"]] == ["ns1.example.org", "ns2.example.org"]
    assert "cli-domain.net" in site.ctl("domains", "list", **alice).stdout
    bad = site.ctl("domains", "nameservers", "cli-domain.net", "only-one.example.org", **alice)
    assert bad.returncode == 1
    assert bad.stderr.strip()
