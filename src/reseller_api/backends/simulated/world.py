"""The simulated world's storage: one ``simulated_objects`` row per object, keyed by (kind, name).

Writes are upserts, so running a provisioning step twice leaves one row: tests read the
table to prove a job never provisioned twice. Each simulated backend (hosting, DNS, mail,
...) is a small class over this store, in its own module.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reseller_api import clock
from reseller_api.store.database import Database
from reseller_api.store.tables import simulated_objects


class SimulatedStore:
    def __init__(self, database: Database) -> None:
        self.db = database

    def put(self, kind: str, name: str, data: dict[str, Any]) -> None:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        with self.db.autocommit() as conn:  # one statement: no BEGIN/COMMIT round trips
            statement = insert(simulated_objects).values(
                kind=kind, name=name, data=json.dumps(data, sort_keys=True), created_at=clock.time()
            )
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "name"], set_={"data": statement.excluded.data}
                )
            )

    def remove(self, kind: str, name: str) -> None:
        with self.db.autocommit() as conn:
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
