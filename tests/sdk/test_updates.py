"""Update-style SDK calls send only the fields given, so nothing else changes (issue 17, item 9).

The server keeps every field a PUT leaves out (tests/api); here: what goes on the wire.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from reseller_api.client import Client


def sent(call: Any) -> dict[str, Any]:
    """The JSON body of the one request ``call(client)`` makes."""
    bodies: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(204)

    with Client("http://api.test", "key", "secret", transport=httpx.MockTransport(answer)) as client:
        call(client)
    [body] = bodies
    return body


def test_a_dns_update_without_a_name_keeps_the_name() -> None:
    assert sent(lambda c: c.dns.records("example.com").update("1-2", content="192.0.2.2")) == {
        "content": "192.0.2.2"
    }
    assert sent(lambda c: c.dns.records("example.com").update("1-2", "A", "@", ttl=300)) == {
        "type": "A",
        "record_name": "@",
        "ttl": 300,
    }


def test_switches_and_tasks_send_only_what_changes() -> None:
    assert sent(lambda c: c.linuxhostings.set_apcu("example.com", False)) == {"enabled": False}
    assert sent(
        lambda c: c.linuxhostings.update_scheduled_task("example.com", "7", script_location="/www/b.php")
    ) == {"script_location": "/www/b.php"}
    assert sent(lambda c: c.mailboxes.set_auto_reply("a@example.com", False)) == {"enabled": False}
    assert sent(lambda c: c.mailboxes.set_auto_forward("a@example.com", False)) == {"enabled": False}
    assert sent(lambda c: c.mailboxes.set_auto_forward("a@example.com", True, ["b@example.org"], True)) == {
        "enabled": True,
        "email_addresses": ["b@example.org"],
        "copy_to_myself": True,
    }
