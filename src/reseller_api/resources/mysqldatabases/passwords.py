"""The passwords of MySQL users: checked, then turned at once into the only form that travels.

Passwords never reach the store or a job in clear: the request computes the
``mysql_native_password`` hash (``*`` + uppercase hex SHA1(SHA1(password))), the form
``CREATE USER ... IDENTIFIED BY PASSWORD`` takes, and only that travels on.
"""

from __future__ import annotations

import hashlib

from msgspec import UNSET, UnsetType

from reseller_api.errors import FieldProblem, define
from reseller_api.rules import password_problem

PASSWORD_REQUIRED = define("mysql_password_required", 400, "password is required.")


def native_password_hash(password: str) -> str:
    """MariaDB's ``mysql_native_password`` hash: what ``IDENTIFIED BY PASSWORD '...'`` takes."""
    inner = hashlib.sha1(password.encode()).digest()  # noqa: S324 - the server's format, not our choice
    return "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324


def password_hash(password: str | UnsetType, problems: list[FieldProblem]) -> str | None:
    """The hash of a password the rules accept; ``None``, with a problem added, otherwise."""
    if password is UNSET or not password:
        problems.append(FieldProblem(PASSWORD_REQUIRED.code, PASSWORD_REQUIRED.text))
        return None
    if (problem := password_problem(password)) is not None:
        problems.append(problem)
        return None
    return native_password_hash(password)
