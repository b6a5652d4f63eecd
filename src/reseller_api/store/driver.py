"""What the two ways to the database share: the shape of rows and arguments, how long a
connection may take to open, and the exception for a database that cannot be reached.

:class:`~reseller_api.store.database.Database` (SQLAlchemy, psycopg, sqlite3) and
:class:`~reseller_api.store.asyncreads.AsyncReads` (asyncpg, loaded for PostgreSQL only) both
build on these; a module of its own so that neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Row = tuple[Any, ...]
Args = Sequence[Any] | Mapping[str, Any]
# How long opening a PostgreSQL connection may take before the request is a 503.
CONNECT_TIMEOUT = 5


class DatabaseUnavailable(Exception):
    """PostgreSQL cannot be reached (or went away mid-read): the API answers 503, retry later."""
