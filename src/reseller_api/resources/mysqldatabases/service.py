"""MySQL databases: listed with their sizes, created by a job (with their first user),
deleted with their users. Their names are ruled in ``names.py``, passwords in
``passwords.py``, and the users a database has beyond its first in ``users.py``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from msgspec import UNSET
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define
from reseller_api.jobs import service as jobs
from reseller_api.resources.mysqldatabases import names, passwords, records
from reseller_api.resources.mysqldatabases.jobs import ACTIVE, PROVISIONING, CreateDatabaseJob
from reseller_api.resources.mysqldatabases.tables import mysql_databases, mysql_users
from reseller_api.resources.servicepacks.service import assets_of
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts
from reseller_api.wire.mysqldatabases import CreateMySqlDatabase, MySqlDatabase

# The logger keeps its first name: it is in every log line operators may filter on.
log = logging.getLogger("reseller_api.mysql")
# The first user, named as the database, may write; the users added later only read.
READ_AND_WRITE = "read_and_write"

DATABASE_EXISTS = define("mysql_database_exists", 400, "A database with this name already exists.")
ACCOUNT_REQUIRED = define("mysql_account_id_required", 400, "account_id is required.")
ACCOUNT_NOT_FOUND = define("mysql_account_not_found", 400, "The account does not exist.")
NOT_IN_PACK = define("mysql_not_in_servicepack", 400, "The account's servicepack has no MySQL databases.")
QUOTA_EXCEEDED = define(
    "mysql_quota_exceeded", 400, "The account already has as many databases as its servicepack allows."
)
DATABASE_BUSY = define(
    "mysql_database_busy", 400, "A user of this database is still being provisioned; retry when its job ends."
)

_COLUMNS = (
    mysql_databases.c.name,
    mysql_databases.c.max_size_mb,
    mysql_databases.c.actual_size_mb,
    mysql_databases.c.account_id,
    select(func.count())
    .select_from(mysql_users)
    .where(mysql_users.c.database_id == mysql_databases.c.id, mysql_users.c.status == ACTIVE)
    .scalar_subquery(),
)
_DETAIL = Query(select(*_COLUMNS).where(records.OWNED, mysql_databases.c.name == bindparam("name")))
_LIST = Query(
    select(*_COLUMNS)
    .where(records.OWNED)
    .order_by(mysql_databases.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).select_from(mysql_databases).where(records.OWNED))


def _view(row: tuple[object, ...], hostname: str, sizes: dict[str, float]) -> MySqlDatabase:
    name = str(row[0])
    measured = sizes.get(name)
    return MySqlDatabase(
        name=name,
        hostname=hostname,
        user_count=int(row[4]),  # type: ignore[call-overload]
        max_size=int(row[1]),  # type: ignore[call-overload]
        # Whole MB, rounded up: a database holding anything never shows as empty.
        actual_size=int(row[2]) if measured is None else math.ceil(measured),  # type: ignore[call-overload]
        account_id=int(row[3]),  # type: ignore[call-overload]
    )


def _sizes(context: AppContext, database_names: Sequence[str]) -> dict[str, float]:
    """The server's measure, in one call per page; when it cannot answer, the recorded size."""
    if not database_names:
        return {}
    try:
        return context.backends.mysqldatabases.database_sizes_mb(database_names)
    except (BackendUnavailable, BackendRefused) as exc:
        # A listing should not fail because the size is unknown for a moment.
        log.warning("database sizes unavailable, showing the recorded ones: %s", exc)
        return {}


def list_databases(context: AppContext, reseller_id: int, page: Page) -> tuple[list[MySqlDatabase], int]:
    database = context.database
    rows = database.fetch_all(_LIST, reseller_id=reseller_id, take=page.take, skip=page.skip)
    total = database.fetch_one(_COUNT, reseller_id=reseller_id)
    hostname = context.settings.mysql_hostname
    sizes = _sizes(context, [str(r[0]) for r in rows])
    return [_view(r, hostname, sizes) for r in rows], int(total[0]) if total else 0


def get_database(context: AppContext, reseller_id: int, name: str) -> MySqlDatabase:
    row = context.database.fetch_one(_DETAIL, reseller_id=reseller_id, name=name)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Database {name!r} does not exist.")
    return _view(row, context.settings.mysql_hostname, _sizes(context, [str(row[0])]))


# -- create ---------------------------------------------------------------------------------


def create_database(context: AppContext, reseller_id: int, order: CreateMySqlDatabase) -> str:
    """Validate, then commit the pending database, its first user and their job; returns the job id."""
    problems: list[FieldProblem] = []
    name = names.database_name(order.database_name, problems)
    account_id = None if order.account_id is UNSET else order.account_id
    servicepack_id = None
    if account_id is None:
        problems.append(FieldProblem(ACCOUNT_REQUIRED.code, ACCOUNT_REQUIRED.text))
    else:
        servicepack_id = _account_pack(context.database, reseller_id, account_id)
        if servicepack_id is None:
            problems.append(FieldProblem(ACCOUNT_NOT_FOUND.code, f"Account {account_id} does not exist."))
    password_hash = passwords.password_hash(order.password, problems)
    if account_id is not None and (too_long := names.length_problem(account_id, name)) is not None:
        problems.append(too_long)
    if problems or account_id is None or servicepack_id is None or password_hash is None:
        raise ValidationFailed(problems)
    full = names.prefix(account_id) + name
    asset = next((a for a in assets_of(context.database, servicepack_id) if a.type == "mysql"), None)
    if asset is None or asset.count < 1:
        raise ApiProblem(NOT_IN_PACK)
    size = asset.max_size_mb or 0
    try:
        with context.database.transaction() as conn:
            # The account's row lock serialises concurrent orders on PostgreSQL, so the count holds.
            conn.execute(select(accounts.c.id).where(accounts.c.id == account_id).with_for_update())
            used = conn.execute(
                select(func.count())
                .select_from(mysql_databases)
                .where(mysql_databases.c.account_id == account_id)
            ).scalar_one()
            if used >= asset.count:
                raise ApiProblem(
                    QUOTA_EXCEEDED, f"Account {account_id} already has {used} of its {asset.count} databases."
                )
            if names.name_taken(conn, full):
                raise ApiProblem(DATABASE_EXISTS, f"The database {full} already exists.")
            database_id = conn.execute(
                insert(mysql_databases)
                .values(
                    reseller_id=reseller_id,
                    account_id=account_id,
                    name=full,
                    max_size_mb=size,
                    actual_size_mb=0,
                    status=PROVISIONING,
                    created_at=clock.time(),
                )
                .returning(mysql_databases.c.id)
            ).scalar_one()
            user_id = records.insert_user(conn, database_id, full, READ_AND_WRITE)
            job_id = jobs.enqueue(
                conn,
                reseller_id=reseller_id,
                kind="mysql.create_database",
                payload=CreateDatabaseJob(
                    database_id=database_id,
                    user_id=user_id,
                    database=full,
                    user=full,
                    rights=READ_AND_WRITE,
                    password_hash=password_hash,
                    max_size_mb=size,
                ),
                duration=context.backends.step_duration,
            )
    except IntegrityError:
        raise ApiProblem(DATABASE_EXISTS, f"The database {full} already exists.") from None
    context.runner.poke()
    return job_id


def _account_pack(database: Database, reseller_id: int, account_id: int) -> int | None:
    with database.engine.connect() as conn:
        return conn.execute(
            select(accounts.c.servicepack_id).where(
                accounts.c.id == account_id,
                accounts.c.reseller_id == reseller_id,
                accounts.c.status == ACTIVE,
            )
        ).scalar()


# -- delete ---------------------------------------------------------------------------------


def delete_database(context: AppContext, reseller_id: int, name: str) -> None:
    """Drop it in the world first (idempotent), then forget it: a failure leaves it visible, retryable."""
    found = records.found(context.database, reseller_id, name)
    with context.database.engine.connect() as conn:
        users = conn.execute(
            select(mysql_users.c.name, mysql_users.c.status).where(mysql_users.c.database_id == found.id)
        ).all()
    if any(status != ACTIVE for _, status in users):
        raise ApiProblem(DATABASE_BUSY)
    for user, _ in users:
        context.backends.mysqldatabases.drop_user(user)
    context.backends.mysqldatabases.drop_database(found.name)
    with context.database.transaction() as conn:
        conn.execute(delete(mysql_users).where(mysql_users.c.database_id == found.id))
        conn.execute(delete(mysql_databases).where(mysql_databases.c.id == found.id))
