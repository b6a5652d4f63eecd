"""The rules of MySQL databases and their users: names, the pack's count and size, passwords.

Provisioned names are prefixed per account (``id{account_id}_{name}``): two accounts can
both ask for ``shop``, and MariaDB's names are server-wide. The database's first user is
named as the database, so a full name stays within MariaDB's user-name limit (32), which
is also well within the 64-character identifier limit.

Passwords never reach the store or a job in clear: the request computes the
``mysql_native_password`` hash (``*`` + uppercase hex SHA1(SHA1(password))), the form
``CREATE USER ... IDENTIFIED BY PASSWORD`` takes, and only that travels on.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from msgspec import UNSET, UnsetType
from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api import clock
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.context import AppContext
from reseller_api.conventions.paging import Page
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define, invalid
from reseller_api.jobs import service as jobs
from reseller_api.resources.mysqldatabases.jobs import ACTIVE, PROVISIONING, CreateDatabaseJob, CreateUserJob
from reseller_api.resources.servicepacks.service import assets_of
from reseller_api.rules import password_problem
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import accounts, mysql_databases, mysql_users
from reseller_api.wire.mysqldatabases import (
    CreateMySqlDatabase,
    CreateMySqlUser,
    MySqlDatabase,
    MySqlUser,
    UpdateUserPasswordRequest,
    UpdateUserStatusRequest,
)

log = logging.getLogger("reseller_api.mysql")
MAX_NAME = 32  # MariaDB user names; the first user is named as the database
READ_AND_WRITE = "read_and_write"
# The YAML: "The creation of a new mysql user will result in a user with read_only rights."
READ_ONLY = "read_only"
_DATABASE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_USER_NAME = re.compile(r"^[a-z0-9]{2,14}$")

NAME_REQUIRED = define("mysql_database_name_required", 400, "database_name is required.")
NAME_INVALID = define(
    "mysql_database_name_invalid",
    400,
    "database_name is lowercase letters, digits and underscores, starting with a letter or digit.",
)
NAME_TOO_LONG = define(
    "mysql_database_name_too_long",
    400,
    f"The prefixed database name (id{{account_id}}_{{database_name}}) is at most {MAX_NAME} characters.",
)
DATABASE_EXISTS = define("mysql_database_exists", 400, "A database with this name already exists.")
ACCOUNT_REQUIRED = define("mysql_account_id_required", 400, "account_id is required.")
ACCOUNT_NOT_FOUND = define("mysql_account_not_found", 400, "The account does not exist.")
NOT_IN_PACK = define("mysql_not_in_servicepack", 400, "The account's servicepack has no MySQL databases.")
QUOTA_EXCEEDED = define(
    "mysql_quota_exceeded", 400, "The account already has as many databases as its servicepack allows."
)
PASSWORD_REQUIRED = define("mysql_password_required", 400, "password is required.")
DATABASE_BUSY = define(
    "mysql_database_busy", 400, "A user of this database is still being provisioned; retry when its job ends."
)
USER_NAME_REQUIRED = define("mysql_user_name_required", 400, "name is required.")
USER_NAME_INVALID = define(
    "mysql_user_name_invalid", 400, "User names are 2-14 lowercase letters and/or digits, without spaces."
)
USER_EXISTS = define("mysql_user_exists", 400, "A user with this name already exists.")
USER_IS_OWNER = define(
    "mysql_user_is_owner", 400, "The user named as the database is deleted with the database, not alone."
)
ENABLED_REQUIRED = define("mysql_user_enabled_required", 400, "enabled is required (true or false).")


def native_password_hash(password: str) -> str:
    """MariaDB's ``mysql_native_password`` hash: what ``IDENTIFIED BY PASSWORD '...'`` takes."""
    inner = hashlib.sha1(password.encode()).digest()  # noqa: S324 - the server's format, not our choice
    return "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324


def prefix(account_id: int) -> str:
    return f"id{account_id}_"


@dataclass(frozen=True, slots=True)
class Found:
    id: int
    name: str
    account_id: int


_COLUMNS = (
    mysql_databases.c.name,
    mysql_databases.c.max_size_mb,
    mysql_databases.c.actual_size_mb,
    mysql_databases.c.account_id,
    select(func.count())
    .select_from(mysql_users)
    .where(mysql_users.c.database_id == mysql_databases.c.id, mysql_users.c.status == ACTIVE)
    .scalar_subquery(),
    mysql_databases.c.id,
)
_OWNED = and_(mysql_databases.c.reseller_id == bindparam("reseller_id"), mysql_databases.c.status == ACTIVE)
_DETAIL = Query(select(*_COLUMNS).where(_OWNED, mysql_databases.c.name == bindparam("name")))
_LIST = Query(
    select(*_COLUMNS)
    .where(_OWNED)
    .order_by(mysql_databases.c.id)
    .limit(bindparam("take"))
    .offset(bindparam("skip"))
)
_COUNT = Query(select(func.count()).select_from(mysql_databases).where(_OWNED))
_USERS = Query(
    select(mysql_users.c.name, mysql_users.c.rights, mysql_users.c.enabled)
    .where(mysql_users.c.database_id == bindparam("database_id"), mysql_users.c.status == ACTIVE)
    .order_by(mysql_users.c.name)
)
_USER = Query(
    select(mysql_users.c.id).where(
        mysql_users.c.database_id == bindparam("database_id"),
        mysql_users.c.name == bindparam("name"),
        mysql_users.c.status == ACTIVE,
    )
)


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


def _sizes(context: AppContext, names: Sequence[str]) -> dict[str, float]:
    """The server's measure, in one call per page; when it cannot answer, the recorded size."""
    if not names:
        return {}
    try:
        return context.backends.mysql.database_sizes_mb(names)
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


def _found(database: Database, reseller_id: int, name: str) -> Found:
    row = database.fetch_one(_DETAIL, reseller_id=reseller_id, name=name)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"Database {name!r} does not exist.")
    return Found(int(row[5]), str(row[0]), int(row[3]))


# -- create ---------------------------------------------------------------------------------


def _password(password: str | UnsetType, problems: list[FieldProblem]) -> str | None:
    if password is UNSET or not password:
        problems.append(FieldProblem(PASSWORD_REQUIRED.code, PASSWORD_REQUIRED.text))
        return None
    if (problem := password_problem(password)) is not None:
        problems.append(problem)
        return None
    return password


def create_database(context: AppContext, reseller_id: int, order: CreateMySqlDatabase) -> str:
    """Validate, then commit the pending database, its first user and their job; returns the job id."""
    problems: list[FieldProblem] = []
    name = "" if order.database_name is UNSET else order.database_name.strip()
    if not name:
        problems.append(FieldProblem(NAME_REQUIRED.code, NAME_REQUIRED.text))
    elif not _DATABASE_NAME.match(name):
        problems.append(FieldProblem(NAME_INVALID.code, f"database_name {name!r}: {NAME_INVALID.text}"))
    account_id = None if order.account_id is UNSET else order.account_id
    servicepack_id = None
    if account_id is None:
        problems.append(FieldProblem(ACCOUNT_REQUIRED.code, ACCOUNT_REQUIRED.text))
    else:
        servicepack_id = _account_pack(context.database, reseller_id, account_id)
        if servicepack_id is None:
            problems.append(FieldProblem(ACCOUNT_NOT_FOUND.code, f"Account {account_id} does not exist."))
    password = _password(order.password, problems)
    if account_id is not None and name and _DATABASE_NAME.match(name):
        full = prefix(account_id) + name
        if len(full) > MAX_NAME:
            most = MAX_NAME - len(prefix(account_id))
            problems.append(
                FieldProblem(
                    NAME_TOO_LONG.code,
                    f"database_name is at most {most} characters for account {account_id} "
                    f"(provisioned as {prefix(account_id)}{{database_name}}, at most {MAX_NAME}).",
                )
            )
    if problems or account_id is None or servicepack_id is None or password is None:
        raise ValidationFailed(problems)
    full = prefix(account_id) + name
    asset = next((a for a in assets_of(context.database, servicepack_id) if a.type == "mysql"), None)
    if asset is None or asset.count < 1:
        raise ApiProblem(NOT_IN_PACK)
    password_hash = native_password_hash(password)
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
            if _name_taken(conn, full):
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
            user_id = _insert_user(conn, database_id, full, READ_AND_WRITE)
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


def _name_taken(conn: Connection, name: str) -> bool:
    """Database and user names share one space: the first user is named as its database."""
    return bool(
        conn.execute(select(mysql_databases.c.id).where(mysql_databases.c.name == name)).first()
        or conn.execute(select(mysql_users.c.id).where(mysql_users.c.name == name)).first()
    )


def _insert_user(conn: Connection, database_id: int, name: str, rights: str) -> int:
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


# -- delete ---------------------------------------------------------------------------------


def delete_database(context: AppContext, reseller_id: int, name: str) -> None:
    """Drop it in the world first (idempotent), then forget it: a failure leaves it visible, retryable."""
    found = _found(context.database, reseller_id, name)
    with context.database.engine.connect() as conn:
        users = conn.execute(
            select(mysql_users.c.name, mysql_users.c.status).where(mysql_users.c.database_id == found.id)
        ).all()
    if any(status != ACTIVE for _, status in users):
        raise ApiProblem(DATABASE_BUSY)
    for user, _ in users:
        context.backends.mysql.drop_user(user)
    context.backends.mysql.drop_database(found.name)
    with context.database.transaction() as conn:
        conn.execute(delete(mysql_users).where(mysql_users.c.database_id == found.id))
        conn.execute(delete(mysql_databases).where(mysql_databases.c.id == found.id))


# -- users ----------------------------------------------------------------------------------


def list_users(context: AppContext, reseller_id: int, database_name: str) -> list[MySqlUser]:
    found = _found(context.database, reseller_id, database_name)
    rows = context.database.fetch_all(_USERS, database_id=found.id)
    return [MySqlUser(name=r[0], rights=r[1], enabled=bool(r[2])) for r in rows]


def create_user(context: AppContext, reseller_id: int, database_name: str, order: CreateMySqlUser) -> str:
    """Validate, then commit the pending user and its job; returns the job id."""
    found = _found(context.database, reseller_id, database_name)
    problems: list[FieldProblem] = []
    short = "" if order.name is UNSET else order.name
    if not short:
        problems.append(FieldProblem(USER_NAME_REQUIRED.code, USER_NAME_REQUIRED.text))
    elif not _USER_NAME.match(short):
        problems.append(FieldProblem(USER_NAME_INVALID.code, f"name {short!r}: {USER_NAME_INVALID.text}"))
    password = _password(order.password, problems)
    if problems or password is None:
        raise ValidationFailed(problems)
    user = prefix(found.account_id) + short
    password_hash = native_password_hash(password)
    try:
        with context.database.transaction() as conn:
            if _name_taken(conn, user):
                raise ApiProblem(USER_EXISTS, f"The user {user} already exists.")
            user_id = _insert_user(conn, found.id, user, READ_ONLY)
            job_id = jobs.enqueue(
                conn,
                reseller_id=reseller_id,
                kind="mysql.create_user",
                payload=CreateUserJob(
                    user_id=user_id,
                    user=user,
                    database=found.name,
                    rights=READ_ONLY,
                    password_hash=password_hash,
                ),
                duration=context.backends.step_duration,
            )
    except IntegrityError:
        raise ApiProblem(USER_EXISTS, f"The user {user} already exists.") from None
    context.runner.poke()
    return job_id


def _user(context: AppContext, reseller_id: int, database_name: str, user: str) -> tuple[Found, int]:
    found = _found(context.database, reseller_id, database_name)
    row = context.database.fetch_one(_USER, database_id=found.id, name=user)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"User {user!r} of database {database_name!r} does not exist.")
    return found, int(row[0])


def set_user_status(
    context: AppContext, reseller_id: int, database_name: str, user: str, body: UpdateUserStatusRequest
) -> None:
    _, user_id = _user(context, reseller_id, database_name, user)
    if body.enabled is UNSET:
        raise invalid(ENABLED_REQUIRED)
    # The server first: when it refuses or is away, our record keeps saying what is true.
    context.backends.mysql.set_user_enabled(user, body.enabled)
    with context.database.transaction() as conn:
        conn.execute(update(mysql_users).where(mysql_users.c.id == user_id).values(enabled=body.enabled))


def set_user_password(
    context: AppContext, reseller_id: int, database_name: str, user: str, body: UpdateUserPasswordRequest
) -> None:
    _user(context, reseller_id, database_name, user)
    problems: list[FieldProblem] = []
    password = _password(body.password, problems)
    if password is None:
        raise ValidationFailed(problems)
    context.backends.mysql.set_user_password(user, native_password_hash(password))


def delete_user(context: AppContext, reseller_id: int, database_name: str, user: str) -> None:
    found, user_id = _user(context, reseller_id, database_name, user)
    if user == found.name:
        raise ApiProblem(USER_IS_OWNER)
    context.backends.mysql.drop_user(user)
    with context.database.transaction() as conn:
        conn.execute(delete(mysql_users).where(mysql_users.c.id == user_id))
