"""The rows databases and their users share: a reseller's database found by its name, and a
pending user row (a database's first user, written with it, or one more user)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, insert, select

from reseller_api import clock
from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.resources.mysqldatabases.jobs import ACTIVE, PROVISIONING
from reseller_api.resources.mysqldatabases.tables import mysql_databases, mysql_users
from reseller_api.store.database import Database, Query

# The reseller's databases that exist: a pending one is not there until its job ends.
OWNED = and_(mysql_databases.c.reseller_id == bindparam("reseller_id"), mysql_databases.c.status == ACTIVE)
_FOUND = Query(
    select(mysql_databases.c.id, mysql_databases.c.name, mysql_databases.c.account_id).where(
        OWNED, mysql_databases.c.name == bindparam("name")
    )
)


@dataclass(frozen=True, slots=True)
class Found:
    id: int
    name: str
    account_id: int


def found(database: Database, reseller_id: int, name: str) -> Found:
    row = database.fetch_one(_FOUND, reseller_id=reseller_id, name=name)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Database {name!r} does not exist.")
    return Found(int(row[0]), str(row[1]), int(row[2]))


def insert_user(conn: Connection, database_id: int, name: str, rights: str) -> int:
    return int(
        conn.execute(
            insert(mysql_users)
            .values(
                database_id=database_id,
                name=name,
                rights=rights,
                enabled=True,
                status=PROVISIONING,
                created_at=clock.time(),
            )
            .returning(mysql_users.c.id)
        ).scalar_one()
    )
