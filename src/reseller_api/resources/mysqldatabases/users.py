"""The users of a MySQL database: listed, added by a job (read only), enabled or disabled,
given a new password, deleted. The first user, named as the database, comes and goes with
the database (``service.py``).
"""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api.context import AppContext
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define, invalid
from reseller_api.jobs import service as jobs
from reseller_api.resources.mysqldatabases import names, passwords, records
from reseller_api.resources.mysqldatabases.jobs import ACTIVE, CreateUserJob
from reseller_api.resources.mysqldatabases.tables import mysql_users
from reseller_api.store.database import Database, Query
from reseller_api.store.undo import then_or_undo
from reseller_api.wire.mysqldatabases import (
    CreateMySqlUser,
    MySqlUser,
    UpdateUserPasswordRequest,
    UpdateUserStatusRequest,
)

# The YAML: "The creation of a new mysql user will result in a user with read_only rights."
READ_ONLY = "read_only"

USER_EXISTS = define("mysql_user_exists", 400, "A user with this name already exists.")
USER_IS_OWNER = define(
    "mysql_user_is_owner", 400, "The user named as the database is deleted with the database, not alone."
)
ENABLED_REQUIRED = define("mysql_user_enabled_required", 400, "enabled is required (true or false).")

_USERS = Query(
    select(mysql_users.c.name, mysql_users.c.rights, mysql_users.c.enabled)
    .where(mysql_users.c.database_id == bindparam("database_id"), mysql_users.c.status == ACTIVE)
    .order_by(mysql_users.c.name)
)
_USER = Query(
    select(mysql_users.c.id, mysql_users.c.enabled).where(
        mysql_users.c.database_id == bindparam("database_id"),
        mysql_users.c.name == bindparam("name"),
        mysql_users.c.status == ACTIVE,
    )
)


def list_users(context: AppContext, reseller_id: int, database_name: str) -> list[MySqlUser]:
    found = records.found(context.database, reseller_id, database_name)
    rows = context.database.fetch_all(_USERS, database_id=found.id)
    return [MySqlUser(name=r[0], rights=r[1], enabled=bool(r[2])) for r in rows]


def create_user(context: AppContext, reseller_id: int, database_name: str, order: CreateMySqlUser) -> str:
    """Validate, then commit the pending user and its job; returns the job id."""
    found = records.found(context.database, reseller_id, database_name)
    problems: list[FieldProblem] = []
    short = names.user_name(order.name, problems)
    password_hash = passwords.password_hash(order.password, problems)
    if problems or password_hash is None:
        raise ValidationFailed(problems)
    user = names.prefix(found.account_id) + short
    try:
        with context.database.transaction() as conn:
            if names.name_taken(conn, user):
                raise ApiProblem(USER_EXISTS, f"The user {user} already exists.")
            user_id = records.insert_user(conn, found.id, user, READ_ONLY)
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


def _user(
    context: AppContext, reseller_id: int, database_name: str, user: str
) -> tuple[records.Found, int, bool]:
    """The user's database, and its row's id and whether it is enabled."""
    found = records.found(context.database, reseller_id, database_name)
    row = context.database.fetch_one(_USER, database_id=found.id, name=user)
    if row is None:
        raise ApiProblem(NOT_FOUND, f"User {user!r} of database {database_name!r} does not exist.")
    return found, int(row[0]), bool(row[1])


def set_user_status(
    context: AppContext, reseller_id: int, database_name: str, user: str, body: UpdateUserStatusRequest
) -> None:
    _, user_id, previous = _user(context, reseller_id, database_name, user)
    if body.enabled is UNSET:
        raise invalid(ENABLED_REQUIRED)
    # The server first: when it refuses or is away, our record keeps saying what is true (and
    # no webhook event is written: it goes with our row's commit). If recording fails, the
    # server gets the previous state back.
    server, enabled = context.backends.mysqldatabases, body.enabled
    server.set_user_enabled(user, enabled)
    then_or_undo(
        lambda: _record_enabled(context.database, user_id, enabled),
        lambda: server.set_user_enabled(user, previous),
    )


def _record_enabled(database: Database, user_id: int, enabled: bool) -> None:
    with database.transaction() as conn:
        conn.execute(update(mysql_users).where(mysql_users.c.id == user_id).values(enabled=enabled))


def set_user_password(
    context: AppContext, reseller_id: int, database_name: str, user: str, body: UpdateUserPasswordRequest
) -> None:
    _user(context, reseller_id, database_name, user)
    problems: list[FieldProblem] = []
    password_hash = passwords.password_hash(body.password, problems)
    if password_hash is None:
        raise ValidationFailed(problems)
    context.backends.mysqldatabases.set_user_password(user, password_hash)


def delete_user(context: AppContext, reseller_id: int, database_name: str, user: str) -> None:
    found, user_id, _ = _user(context, reseller_id, database_name, user)
    if user == found.name:
        raise ApiProblem(USER_IS_OWNER)
    # The platform first, then our row: the row keeps the user name taken until the platform has let go
    # of it (a create racing this delete is refused, not undone by it), and a removal cannot be
    # undone, so a failure in between leaves the row for a retry, which converges (idempotent).
    context.backends.mysqldatabases.drop_user(user)
    with context.database.transaction() as conn:
        conn.execute(delete(mysql_users).where(mysql_users.c.id == user_id))
