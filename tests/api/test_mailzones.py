"""``/v2/mailzones/{domainName}``: the zone, aliases, catch-all, anti-spam and SMTP domains."""

from __future__ import annotations

import pytest

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.simulated.mail import SimulatedMail
from tests.api.test_mailboxes import codes, make_account
from tests.harness import Caller

ZONE = "/v2/mailzones/example.com"


@pytest.fixture
def account(api: Caller) -> int:
    return make_account(api)


def test_fresh_zone(api: Caller, account: int) -> None:
    response = api.get(ZONE)
    assert response.status_code == 200
    assert response.json() == {
        "name": "example.com",
        "enabled": True,
        "aliases": [],
        "catch_all": {"email_addresses": []},
        "anti_spam": {"type": "basic", "allowed_types": ["none", "basic", "advanced"]},
        "available_accounts": [{"account_id": account, "size": 2048}],
        "smtp_domains": [],
    }
    assert api.get("/v2/mailzones/EXAMPLE.com.").status_code == 200
    assert api.get("/v2/mailzones/nope.com").status_code == 404


def test_aliases(api: Caller, account: int) -> None:
    created = api.post(
        f"{ZONE}/aliases", {"email_address": "Team@example.com", "destinations": ["a@x.be", "b@x.be"]}
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{ZONE}/aliases/team@example.com"
    assert api.get(ZONE).json()["aliases"] == [
        {"email_address": "team@example.com", "destinations": ["a@x.be", "b@x.be"]}
    ]
    updated = api.put(f"{ZONE}/aliases/team@example.com", {"destinations": ["c@x.be"]})
    assert updated.status_code == 202
    assert api.get(ZONE).json()["aliases"][0]["destinations"] == ["c@x.be"]
    assert api.delete(f"{ZONE}/aliases/team@example.com").status_code == 204
    assert api.get(ZONE).json()["aliases"] == []
    assert api.delete(f"{ZONE}/aliases/team@example.com").status_code == 404
    assert api.put(f"{ZONE}/aliases/team@example.com", {"destinations": ["c@x.be"]}).status_code == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"destinations": ["a@x.be"]}, "email_address_required"),
        ({"email_address": "bad", "destinations": ["a@x.be"]}, "email_address_invalid"),
        ({"email_address": "a@other.be", "destinations": ["a@x.be"]}, "email_address_outside_mail_zone"),
        ({"email_address": "a@example.com"}, "alias_destinations_required"),
        ({"email_address": "a@example.com", "destinations": []}, "alias_destinations_required"),
        ({"email_address": "a@example.com", "destinations": ["a@example.com"]}, "email_forwarding_loop"),
        (
            {"email_address": "a@example.com", "destinations": ["x@x.be", "X@x.be"]},
            "email_addresses_duplicate",
        ),
        ({"email_address": "a@example.com", "destinations": ["nope"]}, "email_address_invalid"),
        (
            {"email_address": "a@example.com", "destinations": [f"u{n}@x.be" for n in range(21)]},
            "email_addresses_too_many",
        ),
    ],
)
def test_alias_rules(api: Caller, account: int, body: dict[str, object], expected: str) -> None:
    response = api.post(f"{ZONE}/aliases", body)
    assert response.status_code == 400
    assert codes(response) == [expected]
    assert api.get(ZONE).json()["aliases"] == []


def test_alias_cannot_shadow_mailbox_or_alias(api: Caller, account: int) -> None:
    api.post(
        "/v2/mailboxes",
        {"email_address": "info@example.com", "account_id": account, "password": "Secret123x"},
    )
    assert codes(
        api.post(f"{ZONE}/aliases", {"email_address": "info@example.com", "destinations": ["a@x.be"]})
    ) == ["email_address_in_use"]
    assert (
        api.post(
            f"{ZONE}/aliases", {"email_address": "t@example.com", "destinations": ["a@x.be"]}
        ).status_code
        == 201
    )
    assert codes(
        api.post(f"{ZONE}/aliases", {"email_address": "t@example.com", "destinations": ["b@x.be"]})
    ) == ["email_address_in_use"]
    assert codes(api.put(f"{ZONE}/aliases/t@example.com", {"destinations": ["t@example.com"]})) == [
        "email_forwarding_loop"
    ]
    assert codes(api.put(f"{ZONE}/aliases/t@example.com", {})) == ["alias_destinations_required"]


def test_twenty_destinations_are_allowed(api: Caller, account: int) -> None:
    body = {"email_address": "a@example.com", "destinations": [f"u{n}@x.be" for n in range(20)]}
    assert api.post(f"{ZONE}/aliases", body).status_code == 201


def test_catch_all(api: Caller, account: int) -> None:
    created = api.post(f"{ZONE}/catchall", {"email_address": "Info@example.com"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{ZONE}/catchall/info@example.com"
    assert api.post(f"{ZONE}/catchall", {"email_address": "boss@x.be"}).status_code == 201
    assert api.get(ZONE).json()["catch_all"] == {"email_addresses": ["boss@x.be", "info@example.com"]}
    assert codes(api.post(f"{ZONE}/catchall", {"email_address": "boss@x.be"})) == ["catch_all_exists"]
    assert codes(api.post(f"{ZONE}/catchall", {"email_address": "bad"})) == ["email_address_invalid"]
    assert codes(api.post(f"{ZONE}/catchall", {})) == ["email_address_required"]
    assert api.delete(f"{ZONE}/catchall/boss@x.be").status_code == 204
    assert api.delete(f"{ZONE}/catchall/boss@x.be").status_code == 404
    assert api.get(ZONE).json()["catch_all"] == {"email_addresses": ["info@example.com"]}


def test_catch_all_is_bounded(api: Caller, account: int) -> None:
    for n in range(20):
        assert api.post(f"{ZONE}/catchall", {"email_address": f"u{n}@x.be"}).status_code == 201
    assert codes(api.post(f"{ZONE}/catchall", {"email_address": "u20@x.be"})) == ["catch_all_too_many"]


def test_anti_spam(api: Caller, account: int) -> None:
    for level in ("advanced", "none", "basic", "advanced"):
        assert api.put(f"{ZONE}/antispam", {"type": level}).status_code == 204
        assert api.get(ZONE).json()["anti_spam"]["type"] == level
    assert codes(api.put(f"{ZONE}/antispam", {})) == ["anti_spam_type_required"]
    bad = api.put(f"{ZONE}/antispam", {"type": "extreme"})
    assert bad.status_code == 400
    assert api.get(ZONE).json()["anti_spam"]["type"] == "advanced"


def test_smtp_domains(api: Caller, account: int) -> None:
    created = api.post(f"{ZONE}/smtpdomains", {"hostname": "Example.NET"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{ZONE}/smtpdomains/example.net"
    assert api.get(ZONE).json()["smtp_domains"] == [{"hostname": "example.net", "enabled": True}]
    assert api.put(f"{ZONE}/smtpdomains/example.net", {"enabled": False}).status_code == 202
    assert api.get(ZONE).json()["smtp_domains"] == [{"hostname": "example.net", "enabled": False}]
    assert codes(api.put(f"{ZONE}/smtpdomains/example.net", {})) == ["smtp_domain_enabled_required"]
    assert codes(api.post(f"{ZONE}/smtpdomains", {"hostname": "example.net"})) == ["smtp_domain_exists"]
    assert codes(api.post(f"{ZONE}/smtpdomains", {"hostname": "example.com"})) == ["smtp_domain_is_mail_zone"]
    assert codes(api.post(f"{ZONE}/smtpdomains", {"hostname": "not a domain"})) == ["domain_name_invalid"]
    assert codes(api.post(f"{ZONE}/smtpdomains", {})) == ["smtp_domain_hostname_required"]
    assert api.delete(f"{ZONE}/smtpdomains/example.net").status_code == 204
    assert api.delete(f"{ZONE}/smtpdomains/example.net").status_code == 404
    assert api.put(f"{ZONE}/smtpdomains/example.net", {"enabled": True}).status_code == 404
    assert api.get(ZONE).json()["smtp_domains"] == []


def test_other_resellers_get_404(api: Caller, other_api: Caller, account: int) -> None:
    api.post(f"{ZONE}/aliases", {"email_address": "t@example.com", "destinations": ["a@x.be"]})
    api.post(f"{ZONE}/catchall", {"email_address": "a@x.be"})
    api.post(f"{ZONE}/smtpdomains", {"hostname": "example.net"})
    calls = [
        other_api.get(ZONE),
        other_api.post(f"{ZONE}/aliases", {"email_address": "u@example.com", "destinations": ["a@x.be"]}),
        other_api.put(f"{ZONE}/aliases/t@example.com", {"destinations": ["b@x.be"]}),
        other_api.delete(f"{ZONE}/aliases/t@example.com"),
        other_api.post(f"{ZONE}/catchall", {"email_address": "b@x.be"}),
        other_api.delete(f"{ZONE}/catchall/a@x.be"),
        other_api.put(f"{ZONE}/antispam", {"type": "none"}),
        other_api.post(f"{ZONE}/smtpdomains", {"hostname": "example.org"}),
        other_api.put(f"{ZONE}/smtpdomains/example.net", {"enabled": False}),
        other_api.delete(f"{ZONE}/smtpdomains/example.net"),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    zone = api.get(ZONE).json()
    assert zone["aliases"][0]["destinations"] == ["a@x.be"]
    assert zone["catch_all"]["email_addresses"] == ["a@x.be"]
    assert zone["smtp_domains"] == [{"hostname": "example.net", "enabled": True}]
    assert zone["anti_spam"]["type"] == "basic"


def test_deletes_the_mail_platform_refuses_change_nothing(
    api: Caller, account: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post(f"{ZONE}/aliases", {"email_address": "t@example.com", "destinations": ["a@x.be"]})
    api.post(f"{ZONE}/smtpdomains", {"hostname": "example.net"})
    before = api.get(ZONE).json()

    def refuse(self: SimulatedMail, name: str) -> None:
        raise BackendRefused("the mail platform said no")

    monkeypatch.setattr(SimulatedMail, "remove_alias", refuse)
    monkeypatch.setattr(SimulatedMail, "remove_smtp_domain", refuse)
    attempts = [api.delete(f"{ZONE}/aliases/t@example.com"), api.delete(f"{ZONE}/smtpdomains/example.net")]
    assert [codes(r) for r in attempts] == [["backend_refused"]] * 2
    monkeypatch.undo()
    assert api.get(ZONE).json() == before
    assert api.delete(f"{ZONE}/aliases/t@example.com").status_code == 204
    assert api.delete(f"{ZONE}/smtpdomains/example.net").status_code == 204
