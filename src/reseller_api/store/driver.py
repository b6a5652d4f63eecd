"""What the two ways to the database share: the shape of rows and arguments, how long a
connection may take to open, and the exception for a database that cannot be reached.

:class:`~reseller_api.store.database.Database` (SQLAlchemy, psycopg, sqlite3) and
:class:`~reseller_api.store.asyncreads.AsyncReads` (asyncpg, loaded for PostgreSQL only) both
build on these; a module of its own so that neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError

Row = tuple[Any, ...]
Args = Sequence[Any] | Mapping[str, Any]
# How long opening a PostgreSQL connection may take before the request is a 503.
CONNECT_TIMEOUT = 5


class DatabaseUnavailable(Exception):
    """PostgreSQL cannot be reached (or went away mid-read): the API answers 503, retry later."""


# What a background loop (the job runner, the webhook deliverer) meets while the database is
# briefly away or the process is out of file descriptors: worth one warning line and a retry
# at its next poll, not a traceback (which stays for anything else).
DATABASE_AWAY: tuple[type[BaseException], ...] = (DatabaseUnavailable, OperationalError, OSError)
