"""``resellerctl jobs``: a job started without --wait, then waited for and shown."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_start_a_job_then_wait_for_it(site: Site, alice: dict[str, str]) -> None:
    started = json.loads(
        site.ctl("accounts", "create", "later.example", "--servicepack-id", "4", "--json", **alice).stdout
    )
    assert started["location"] == f"/v2/provisioningjobs/{started['job_id']}"
    waited = site.ctl("jobs", "wait", started["location"], "--json", **alice)
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout)["resource_links"][0].startswith("/v2/accounts/")
    shown = json.loads(site.ctl("jobs", "show", started["job_id"], "--json", **alice).stdout)
    assert shown["id"] == started["job_id"]
