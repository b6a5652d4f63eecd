"""The ``mysql.create_database`` and ``mysql.create_user`` jobs.

The payload carries the user's password only as its ``mysql_native_password`` hash, and the
job table drops the payload when the job ends.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import Connection, delete, update

from reseller_api.conventions.locations import location
from reseller_api.jobs.registry import JobContext, JobHandler
from reseller_api.resources.mysqldatabases.tables import mysql_databases, mysql_users

ACTIVE, PROVISIONING = "active", "provisioning"


class CreateDatabaseJob(msgspec.Struct, kw_only=True):
    """A database with its first user (named as the database), who may read and write it."""

    database_id: int
    user_id: int
    database: str
    user: str
    rights: str
    password_hash: str  # mysql_native_password's, never the password
    max_size_mb: int


class CreateUserJob(msgspec.Struct, kw_only=True):
    """One more user of an existing database."""

    user_id: int
    user: str
    database: str
    rights: str
    password_hash: str


def _create_database(ctx: JobContext, payload: CreateDatabaseJob) -> None:
    backend = ctx.backends.mysqldatabases
    backend.create_database(payload.database, payload.max_size_mb)
    backend.create_user(payload.user, payload.password_hash)
    backend.grant(payload.user, payload.database, payload.rights)


def _commit_database(conn: Connection, ctx: JobContext, payload: CreateDatabaseJob) -> list[str]:
    conn.execute(
        update(mysql_databases).where(mysql_databases.c.id == payload.database_id).values(status=ACTIVE)
    )
    conn.execute(update(mysql_users).where(mysql_users.c.id == payload.user_id).values(status=ACTIVE))
    return [location("mysqldatabases", payload.database)]


def _drop_database(ctx: JobContext, payload: CreateDatabaseJob) -> None:
    ctx.backends.mysqldatabases.drop_user(payload.user)
    ctx.backends.mysqldatabases.drop_database(payload.database)


def _discard_database(conn: Connection, ctx: JobContext, payload: CreateDatabaseJob) -> None:
    conn.execute(delete(mysql_users).where(mysql_users.c.database_id == payload.database_id))
    conn.execute(
        delete(mysql_databases).where(
            mysql_databases.c.id == payload.database_id, mysql_databases.c.status == PROVISIONING
        )
    )


def _create_user(ctx: JobContext, payload: CreateUserJob) -> None:
    ctx.backends.mysqldatabases.create_user(payload.user, payload.password_hash)
    ctx.backends.mysqldatabases.grant(payload.user, payload.database, payload.rights)


def _commit_user(conn: Connection, ctx: JobContext, payload: CreateUserJob) -> list[str]:
    conn.execute(update(mysql_users).where(mysql_users.c.id == payload.user_id).values(status=ACTIVE))
    return [location("mysqldatabases", payload.database, "users")]


def _drop_user(ctx: JobContext, payload: CreateUserJob) -> None:
    ctx.backends.mysqldatabases.drop_user(payload.user)


def _discard_user(conn: Connection, ctx: JobContext, payload: CreateUserJob) -> None:
    conn.execute(
        delete(mysql_users).where(mysql_users.c.id == payload.user_id, mysql_users.c.status == PROVISIONING)
    )


CREATE_DATABASE = JobHandler(
    "mysql.create_database",
    CreateDatabaseJob,
    _create_database,
    _commit_database,
    _drop_database,
    _discard_database,
    title="New MySQL database",
    event="mysql_database.created",
)
CREATE_USER = JobHandler(
    "mysql.create_user",
    CreateUserJob,
    _create_user,
    _commit_user,
    _drop_user,
    _discard_user,
    title="New MySQL user",
    event="mysql_database.updated",  # a user changes its database
)
