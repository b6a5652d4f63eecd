"""How MySQL databases and their users are named.

Provisioned names are prefixed per account (``id{account_id}_{name}``): two accounts can
both ask for ``shop``, and MariaDB's names are server-wide. The database's first user is
named as the database, so a full name stays within MariaDB's user-name limit (32), which
is also well within the 64-character identifier limit; and database and user names share
one space.
"""

from __future__ import annotations

import re

from msgspec import UNSET, UnsetType
from sqlalchemy import Connection, select

from reseller_api.errors import FieldProblem, define
from reseller_api.resources.mysqldatabases.tables import mysql_databases, mysql_users

MAX_NAME = 32  # MariaDB user names; the first user is named as the database
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
USER_NAME_REQUIRED = define("mysql_user_name_required", 400, "name is required.")
USER_NAME_INVALID = define(
    "mysql_user_name_invalid", 400, "User names are 2-14 lowercase letters and/or digits, without spaces."
)


def prefix(account_id: int) -> str:
    return f"id{account_id}_"


def database_name(asked: str | UnsetType, problems: list[FieldProblem]) -> str:
    """The short name asked for, stripped; a problem added when it is missing or malformed."""
    name = "" if asked is UNSET else asked.strip()
    if not name:
        problems.append(FieldProblem(NAME_REQUIRED.code, NAME_REQUIRED.text))
    elif not _DATABASE_NAME.match(name):
        problems.append(FieldProblem(NAME_INVALID.code, f"database_name {name!r}: {NAME_INVALID.text}"))
    return name


def length_problem(account_id: int, name: str) -> FieldProblem | None:
    """When ``name`` prefixed for the account is longer than MariaDB's user names allow.

    Only a well-formed name is measured: a missing or malformed one has its problem already.
    """
    if not _DATABASE_NAME.match(name) or len(prefix(account_id) + name) <= MAX_NAME:
        return None
    most = MAX_NAME - len(prefix(account_id))
    return FieldProblem(
        NAME_TOO_LONG.code,
        f"database_name is at most {most} characters for account {account_id} "
        f"(provisioned as {prefix(account_id)}{{database_name}}, at most {MAX_NAME}).",
    )


def user_name(asked: str | UnsetType, problems: list[FieldProblem]) -> str:
    """The short user name asked for (not stripped: a space is refused); a problem when it breaks the rule."""
    short = "" if asked is UNSET else asked
    if not short:
        problems.append(FieldProblem(USER_NAME_REQUIRED.code, USER_NAME_REQUIRED.text))
    elif not _USER_NAME.match(short):
        problems.append(FieldProblem(USER_NAME_INVALID.code, f"name {short!r}: {USER_NAME_INVALID.text}"))
    return short


def name_taken(conn: Connection, name: str) -> bool:
    """Database and user names share one space: the first user is named as its database."""
    return bool(
        conn.execute(select(mysql_databases.c.id).where(mysql_databases.c.name == name)).first()
        or conn.execute(select(mysql_users.c.id).where(mysql_users.c.name == name)).first()
    )
