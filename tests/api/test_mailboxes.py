"""``/v2/mailboxes``: both creation forms, the pack's count, passwords, auto-reply and auto-forward."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.simulated.mail import SimulatedMail
from reseller_api.crypto import verify_password
from reseller_api.resources.mailzones.tables import mailboxes
from reseller_api.store.database import Database
from reseller_api.store.tables import simulated_objects
from tests.harness import Caller, error_codes

PASSWORD = "Mailbox123x"


def make_account(api: Caller, identifier: str = "example.com", servicepack_id: int = 1) -> int:
    body: dict[str, object] = {"identifier": identifier, "servicepack_id": servicepack_id}
    if servicepack_id in (1, 2):
        body["ftp_password"] = "Secret123x"
    response = api.post("/v2/accounts", body)
    assert response.status_code == 202, response.text
    done = api.wait_job(response.headers["location"])
    assert done.status_code == 201, done.text
    return int(done.json()["resource_links"][0].rsplit("/", 1)[1])


def codes(response: httpx.Response) -> list[str]:
    return error_codes(response)


def mailbox(api: Caller, account_id: int, address: str, password: str = PASSWORD) -> object:
    return api.post(
        "/v2/mailboxes", {"email_address": address, "account_id": account_id, "password": password}
    )


@pytest.fixture
def account(api: Caller) -> int:
    return make_account(api)


def test_create_yaml_form_then_read_back(api: Caller, account: int, database: Database) -> None:
    created = mailbox(api, account, "Info@Example.com")
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    assert created.headers["location"] == "/v2/mailboxes/info@example.com"  # type: ignore[attr-defined]
    assert created.content == b""  # type: ignore[attr-defined]
    detail = api.get("/v2/mailboxes/info@example.com")
    assert detail.status_code == 200
    assert detail.json() == {
        "name": "info@example.com",
        "login": "info@example.com",
        "max_size": 2048,
        "actual_size": 0,
        "auto_reply": {"enabled": False, "subject": "", "message": ""},
        "auto_forward": {"enabled": False, "email_addresses": [], "copy_to_myself": False},
    }
    listing = api.get("/v2/mailboxes?domain_name=example.com")
    assert listing.json() == [{"name": "info@example.com", "max_size": 2048, "actual_size": 0}]
    assert listing.headers["x-paging-totalresults"] == "1"
    with database.engine.connect() as conn:
        stored = conn.execute(select(mailboxes.c.password_hash)).scalar_one()
        world = conn.execute(
            select(simulated_objects.c.data).where(simulated_objects.c.kind == "mailbox")
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, PASSWORD)
    assert json.loads(world)["password_hash"] == stored
    assert json.loads(world)["quota_mb"] == 2048


def test_create_text_form_with_local_part_or_address(api: Caller, account: int) -> None:
    first = api.post(
        "/v2/mailboxes/example.com", {"email": "sales", "account_id": account, "password": PASSWORD}
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"] == "/v2/mailboxes/sales@example.com"
    second = api.post(
        "/v2/mailboxes/example.com", {"email": "hr@example.com", "account_id": account, "password": PASSWORD}
    )
    assert second.status_code == 201, second.text
    third = api.post(
        "/v2/mailboxes/example.com",
        {"email_address": "it@example.com", "account_id": account, "password": PASSWORD},
    )
    assert third.status_code == 201, third.text
    other_domain = api.post(
        "/v2/mailboxes/example.com", {"email": "a@other.com", "account_id": account, "password": PASSWORD}
    )
    assert codes(other_domain) == ["email_address_outside_mail_zone"]
    names = [m["name"] for m in api.get("/v2/mailboxes?domain_name=example.com").json()]
    assert names == ["hr@example.com", "it@example.com", "sales@example.com"]


def test_quota_lists_the_account_and_size(api: Caller, account: int) -> None:
    response = api.get("/v2/mailboxes/example.com/quota")
    assert response.status_code == 200
    assert response.json() == [{"account_id": account, "size": 2048}]


def test_list_requires_domain_name(api: Caller, account: int) -> None:
    response = api.get("/v2/mailboxes")
    assert response.status_code == 400
    assert codes(response) == ["mailbox_domain_name_required"]


def test_pack_count_is_enforced_at_its_boundary(api: Caller) -> None:
    account = make_account(api, "mail.be", servicepack_id=3)  # Mail only: 5 mailboxes
    for n in range(5):
        assert mailbox(api, account, f"u{n}@mail.be").status_code == 201  # type: ignore[attr-defined]
    over = mailbox(api, account, "u5@mail.be")
    assert over.status_code == 400  # type: ignore[attr-defined]
    assert codes(over) == ["mailbox_quota_exceeded"]
    assert set(over.json()) == {"error_code", "error_text"}  # type: ignore[attr-defined]  # top level: the world's state
    assert len(api.get("/v2/mailboxes?domain_name=mail.be").json()) == 5
    assert api.delete("/v2/mailboxes/u0@mail.be").status_code == 204
    assert mailbox(api, account, "u5@mail.be").status_code == 201  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"account_id": 1, "password": PASSWORD}, ["email_address_required"]),
        (
            {"email_address": "not an address", "account_id": 1, "password": PASSWORD},
            ["email_address_invalid"],
        ),
        ({"email_address": "a@example.com", "password": PASSWORD}, ["mailbox_account_id_required"]),
        ({"email_address": "a@example.com", "account_id": 1}, ["mailbox_password_required"]),
        ({"email_address": "a@example.com", "account_id": 1, "password": "short1"}, ["password_invalid"]),
        ({"email_address": "a@example.com", "account_id": 1, "password": "Secret123$"}, ["password_invalid"]),
        (
            {"email_address": "a@example.com", "account_id": 1, "password": "nodigitsatall"},
            ["password_invalid"],
        ),
        (
            {"email_address": "a@example.com", "account_id": 99, "password": PASSWORD},
            ["mailbox_account_invalid"],
        ),
        ({"email_address": "a@unknown.com", "account_id": 1, "password": PASSWORD}, ["mail_zone_not_found"]),
    ],
)
def test_create_refuses_bad_orders(
    api: Caller, account: int, body: dict[str, object], expected: list[str]
) -> None:
    assert account == 1
    response = api.post("/v2/mailboxes", body)
    assert response.status_code == 400, response.text
    assert codes(response) == expected
    assert api.get("/v2/mailboxes?domain_name=example.com").json() == []


def test_duplicates_and_aliases_are_refused(api: Caller, account: int) -> None:
    assert mailbox(api, account, "info@example.com").status_code == 201  # type: ignore[attr-defined]
    assert codes(mailbox(api, account, "INFO@example.com")) == ["mailbox_exists"]
    alias = api.post(
        "/v2/mailzones/example.com/aliases", {"email_address": "team@example.com", "destinations": ["x@y.be"]}
    )
    assert alias.status_code == 201
    assert codes(mailbox(api, account, "team@example.com")) == ["email_address_in_use"]


def test_pack_without_mailboxes_has_no_mail_zone(api: Caller) -> None:
    account = make_account(api, "domainonly.be", servicepack_id=4)
    assert api.get("/v2/mailboxes?domain_name=domainonly.be").status_code == 404
    response = api.post(
        "/v2/mailboxes/domainonly.be", {"email": "a", "account_id": account, "password": PASSWORD}
    )
    assert response.status_code == 404


def test_password_change(api: Caller, account: int, database: Database) -> None:
    mailbox(api, account, "info@example.com")
    with database.engine.connect() as conn:
        before = conn.execute(select(mailboxes.c.password_hash)).scalar_one()
    bad = api.put("/v2/mailboxes/info@example.com/password", {"password": "bad"})
    assert codes(bad) == ["password_invalid"]
    assert codes(api.put("/v2/mailboxes/info@example.com/password", {})) == ["mailbox_password_required"]
    changed = api.put("/v2/mailboxes/info@example.com/password", {"password": "Changed456y"})
    assert changed.status_code == 204
    with database.engine.connect() as conn:
        after = conn.execute(select(mailboxes.c.password_hash)).scalar_one()
    assert after != before
    assert verify_password(after, "Changed456y")


def test_auto_reply(api: Caller, account: int) -> None:
    mailbox(api, account, "info@example.com")
    target = "/v2/mailboxes/info@example.com/autoreply"
    on = api.put(target, {"enabled": True, "subject": "Away", "message": "Back on Monday."})
    assert on.status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").json()["auto_reply"] == {
        "enabled": True,
        "subject": "Away",
        "message": "Back on Monday.",
    }
    assert codes(api.put(target, {"subject": "x"})) == ["mailbox_enabled_required"]
    assert codes(api.put(target, {"enabled": True, "subject": "x", "message": " "})) == [
        "autoreply_message_required"
    ]
    # Fields left out keep their values (an edit changes only what it is given).
    assert api.put(target, {"enabled": False}).status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").json()["auto_reply"] == {
        "enabled": False,
        "subject": "Away",
        "message": "Back on Monday.",
    }
    assert api.put(target, {"enabled": True, "subject": "Gone"}).status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").json()["auto_reply"]["message"] == "Back on Monday."
    assert codes(api.put(target, {"enabled": True, "subject": "a\r\nBcc: x@y.be", "message": "m"})) == [
        "autoreply_subject_invalid"
    ]
    assert codes(api.put(target, {"enabled": True, "subject": "s" * 256, "message": "m"})) == [
        "autoreply_too_long"
    ]
    assert (
        api.put(target, {"enabled": True, "subject": "s" * 255, "message": "m" * 10_000}).status_code == 204
    )
    assert codes(api.put(target, {"enabled": True, "message": "m" * 10_001})) == ["autoreply_too_long"]
    off = api.put(target, {"enabled": False})
    assert off.status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").json()["auto_reply"]["enabled"] is False


def test_auto_forward(api: Caller, account: int) -> None:
    mailbox(api, account, "info@example.com")
    target = "/v2/mailboxes/info@example.com/autoforward"
    on = api.put(target, {"enabled": True, "email_addresses": ["Boss@Elsewhere.be"], "copy_to_myself": True})
    assert on.status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").json()["auto_forward"] == {
        "enabled": True,
        "email_addresses": ["boss@elsewhere.be"],
        "copy_to_myself": True,
    }
    assert codes(api.put(target, {"enabled": True, "email_addresses": ["info@example.com"]})) == [
        "email_forwarding_loop"
    ]
    assert codes(api.put(target, {"enabled": True, "email_addresses": ["nope"]})) == ["email_address_invalid"]
    assert codes(api.put(target, {"enabled": True, "email_addresses": ["a@b.be", "A@b.be"]})) == [
        "email_addresses_duplicate"
    ]
    assert codes(api.put(target, {"enabled": True, "email_addresses": []})) == [
        "autoforward_addresses_required"
    ]
    many = [f"u{n}@b.be" for n in range(21)]
    assert codes(api.put(target, {"enabled": True, "email_addresses": many})) == ["email_addresses_too_many"]
    assert api.put(target, {"enabled": True, "email_addresses": many[:20]}).status_code == 204
    api.post(
        "/v2/mailzones/example.com/aliases",
        {"email_address": "back@example.com", "destinations": ["info@example.com"]},
    )
    assert codes(api.put(target, {"enabled": True, "email_addresses": ["back@example.com"]})) == [
        "email_forwarding_loop"
    ]
    assert codes(api.put(target, {"email_addresses": ["a@b.be"]})) == ["mailbox_enabled_required"]
    # Switched off without addresses: the addresses and the copy setting stay for next time.
    assert api.put(target, {"enabled": False}).status_code == 204
    kept = api.get("/v2/mailboxes/info@example.com").json()["auto_forward"]
    assert (kept["enabled"], len(kept["email_addresses"]), kept["copy_to_myself"]) == (False, 20, True)


def test_delete(api: Caller, account: int, database: Database) -> None:
    mailbox(api, account, "info@example.com")
    assert api.delete("/v2/mailboxes/info@example.com").status_code == 204
    assert api.get("/v2/mailboxes/info@example.com").status_code == 404
    assert api.delete("/v2/mailboxes/info@example.com").status_code == 404
    with database.engine.connect() as conn:
        kinds = conn.execute(select(simulated_objects.c.kind)).scalars().all()
    assert "mailbox" not in kinds


def test_other_resellers_get_404(api: Caller, other_api: Caller, account: int) -> None:
    mailbox(api, account, "info@example.com")
    assert other_api.get("/v2/mailboxes?domain_name=example.com").status_code == 404
    assert other_api.get("/v2/mailboxes/example.com/quota").status_code == 404
    assert other_api.get("/v2/mailboxes/info@example.com").status_code == 404
    assert other_api.delete("/v2/mailboxes/info@example.com").status_code == 404
    assert (
        other_api.put("/v2/mailboxes/info@example.com/password", {"password": "Other123x"}).status_code == 404
    )
    assert other_api.put("/v2/mailboxes/info@example.com/autoreply", {"enabled": False}).status_code == 404
    assert other_api.put("/v2/mailboxes/info@example.com/autoforward", {"enabled": False}).status_code == 404
    text_form = other_api.post(
        "/v2/mailboxes/example.com", {"email": "x", "account_id": account, "password": PASSWORD}
    )
    assert text_form.status_code == 404
    yaml_form = other_api.post(
        "/v2/mailboxes", {"email_address": "x@example.com", "account_id": account, "password": PASSWORD}
    )
    assert codes(yaml_form) == ["mail_zone_not_found"]
    assert api.get("/v2/mailboxes/info@example.com").status_code == 200


def test_a_delete_the_mail_platform_refuses_changes_nothing(
    api: Caller, account: int, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mailbox(api, account, "info@example.com").status_code == 201  # type: ignore[attr-defined]

    def refuse(self: SimulatedMail, address: str) -> None:
        raise BackendRefused("the mail platform said no")

    def world() -> list[str]:
        with database.engine.connect() as conn:
            return list(
                conn.execute(
                    select(simulated_objects.c.name).where(simulated_objects.c.kind == "mailbox")
                ).scalars()
            )

    detail = api.get("/v2/mailboxes/info@example.com").json()
    monkeypatch.setattr(SimulatedMail, "remove_mailbox", refuse)
    assert codes(api.delete("/v2/mailboxes/info@example.com")) == ["backend_refused"]
    monkeypatch.undo()
    assert api.get("/v2/mailboxes/info@example.com").json() == detail
    assert world() == ["info@example.com"]
    assert api.delete("/v2/mailboxes/info@example.com").status_code == 204
    assert world() == []
