"""Migration 0008: record ids never reused (SQLite AUTOINCREMENT) and SOA/NS rows for existing zones."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.resources.domains.tables import domains
from reseller_api.store import migrate
from reseller_api.store.database import Database
from reseller_api.store.tables import resellers, simulated_objects


@pytest.fixture
def before(tmp_path: Path) -> Iterator[Database]:
    """A database as version 0006 left it, with zones made then (no SOA or NS rows)."""
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(database, "0006")
    now = time.time()
    with database.transaction() as conn:
        reseller = conn.execute(insert(resellers).values(name="r", created_at=now).returning(resellers.c.id))
        rid = reseller.scalar_one()
        for zone_id, name in ((1, "simulated.be"), (2, "registered.be"), (3, "bare.be")):
            conn.execute(
                insert(dns_zones).values(id=zone_id, reseller_id=rid, domain_name=name, created_at=now)
            )
        row = {"type": "A", "ttl": 3600, "content": "192.0.2.1", "rdata": "192.0.2.1", "created_at": now}
        conn.execute(insert(dns_records).values(id=1, zone_id=1, position=1, name="www", **row))
        conn.execute(insert(dns_records).values(id=2, zone_id=1, position=2, name="api", **row))
        conn.execute(
            insert(simulated_objects).values(
                kind="dns_zone",
                name="simulated.be",
                data=json.dumps({"name_servers": ["a.example.net", "b.example.net"], "serial": 2025010103}),
                created_at=now,
            )
        )
        conn.execute(
            insert(domains).values(
                reseller_id=rid,
                domain_name="registered.be",
                status="active",
                name_servers=json.dumps(["ns1.registered.be=192.0.2.7", "ns2.other.net"]),
                will_renew=True,
                created_at=now,
            )
        )
    yield database
    database.dispose()


def test_existing_zones_get_their_soa_and_ns_after_their_records(
    before: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESELLER_API_NAME_SERVERS", "ns1.example.net=192.0.2.53,ns2.example.net")
    migrate.upgrade(before)
    with before.engine.connect() as conn:
        rows = conn.execute(
            select(
                dns_records.c.zone_id, dns_records.c.position, dns_records.c.type, dns_records.c.content
            ).order_by(dns_records.c.zone_id, dns_records.c.position)
        ).all()
    by_zone: dict[int, list[tuple[int, str, str]]] = {}
    for zone_id, position, rtype, content in rows:
        by_zone.setdefault(zone_id, []).append((position, rtype, content))
    # What the simulated backend recorded, after the zone's own records.
    assert by_zone[1] == [
        (1, "A", "192.0.2.1"),
        (2, "A", "192.0.2.1"),
        (3, "SOA", "a.example.net hostmaster.simulated.be 2025010103 10800 3600 604800 3600"),
        (4, "NS", "a.example.net"),
        (5, "NS", "b.example.net"),
    ]
    # The domain's own name servers (its glue left out).
    assert [c for _, t, c in by_zone[2] if t == "NS"] == ["ns1.registered.be", "ns2.other.net"]
    # Else the configured ones.
    assert [c for _, t, c in by_zone[3] if t == "NS"] == ["ns1.example.net", "ns2.example.net"]
    assert by_zone[3][0][2].startswith("ns1.example.net hostmaster.bare.be ")
    migrate.upgrade(before)  # a second run adds nothing
    with before.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dns_records")).scalar_one() == len(rows)


def test_record_ids_are_never_reused_after_it(before: Database, tmp_path: Path) -> None:
    migrate.upgrade(before)
    with before.engine.connect() as conn:
        highest = conn.execute(text("SELECT max(id) FROM dns_records")).scalar_one()
    with before.transaction() as conn:
        conn.execute(dns_records.delete().where(dns_records.c.id == highest))
    before.dispose()
    with sqlite3.connect(tmp_path / "old.db") as raw:  # another process, after a restart
        schema = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'dns_records'").fetchone()[0]
        assert "AUTOINCREMENT" in schema
        raw.execute(
            "INSERT INTO dns_records (zone_id, position, type, name, ttl, content, rdata, created_at) "
            "VALUES (3, 9, 'A', 'x', 60, '192.0.2.9', '192.0.2.9', 0)"
        )
        assert raw.execute("SELECT max(id) FROM dns_records").fetchone()[0] == highest + 1
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'dns_records'")}
    assert {"ix_dns_records_zone_position", "ix_dns_records_zone_type_name_position"} <= indexes
