"""The simulated backends: the "world" is the ``simulated_objects`` table.

Each object is one row keyed by (kind, name), written with an upsert, so running a step
twice leaves one row: tests read the table to prove a job never provisioned twice.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reseller_api.store.database import Database
from reseller_api.store.tables import simulated_objects


class SimulatedWorld:
    """Hosting, DNS and mail in one simulated world."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def _upsert(self, kind: str, name: str, data: dict[str, Any]) -> None:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        with self.db.transaction() as conn:
            statement = insert(simulated_objects).values(
                kind=kind, name=name, data=json.dumps(data, sort_keys=True), created_at=time.time()
            )
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "name"], set_={"data": statement.excluded.data}
                )
            )

    def _remove(self, kind: str, name: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                delete(simulated_objects).where(
                    simulated_objects.c.kind == kind, simulated_objects.c.name == name
                )
            )

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        with self.db.engine.connect() as conn:
            data = conn.execute(
                select(simulated_objects.c.data).where(
                    simulated_objects.c.kind == kind, simulated_objects.c.name == name
                )
            ).scalar()
        return None if data is None else dict(json.loads(data))

    # HostingBackend
    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None:
        self._upsert(
            "hosting",
            domain_name,
            {
                "ftp_username": ftp_username,
                "ftp_password_hash": ftp_password_hash,
                "tree": ["/www", "/subsites"],
            },
        )

    def remove_hosting(self, domain_name: str) -> None:
        self._remove("hosting", domain_name)

    # DnsBackend
    def ensure_zone(self, domain_name: str, name_servers: tuple[str, ...]) -> None:
        self._upsert("dns_zone", domain_name, {"name_servers": list(name_servers)})

    def remove_zone(self, domain_name: str) -> None:
        self._remove("dns_zone", domain_name)

    # MailBackend
    def ensure_mail_zone(self, domain_name: str) -> None:
        self._upsert("mail_zone", domain_name, {})

    def remove_mail_zone(self, domain_name: str) -> None:
        self._remove("mail_zone", domain_name)
