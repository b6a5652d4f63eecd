"""``resellerctl webhooks``: endpoints, signed deliveries and their log."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_webhooks_from_the_shell_against_a_real_receiver(site: Site, alice: dict[str, str]) -> None:
    """A real server delivers to a real receiver: signed, logged, and managed from the shell."""
    from reseller_api.client.webhooks import verify
    from tests.webhook_receiver import receiver

    with receiver() as hooks:
        created = site.ctl("webhooks", "create", hooks.url, "--event", "*", "--json", **alice)
        assert created.returncode == 0, created.stderr
        endpoint = json.loads(created.stdout)
        assert endpoint["secret"].startswith("whsec_")
        webhook_id = str(endpoint["id"])
        assert site.ctl("webhooks", "test", webhook_id, **alice).returncode == 0
        [arrived] = hooks.wait_for(1, timeout=20)
        assert verify(endpoint["secret"], arrived.body, arrived.headers)["type"] == "webhook.test"
        shown = json.loads(site.ctl("webhooks", "show", webhook_id, "--json", **alice).stdout)
        assert "secret" not in shown
        log = json.loads(site.ctl("webhooks", "deliveries", webhook_id, "--json", **alice).stdout)
        assert log[0]["event_id"] == arrived.headers["webhook-id"]
        rotated = site.ctl("webhooks", "rotate-secret", webhook_id, "--json", **alice)
        assert rotated.returncode == 0, rotated.stderr
        new_secret = json.loads(rotated.stdout)["secret"]
        assert new_secret.startswith("whsec_")
        assert new_secret != endpoint["secret"]
        assert site.ctl("webhooks", "test", webhook_id, **alice).returncode == 0
        [_, again] = hooks.wait_for(2, timeout=20)
        assert verify(new_secret, again.body, again.headers)["type"] == "webhook.test"
        off = site.ctl("webhooks", "update", webhook_id, "--enabled", "off", "--json", **alice)
        assert json.loads(off.stdout)["enabled"] is False
        bad = site.ctl("webhooks", "create", "http://example.com/x", "--event", "*", **alice)
        assert bad.returncode == 1
        assert "webhook_url_invalid" in bad.stderr
        assert site.ctl("webhooks", "delete", webhook_id, **alice).returncode == 0
