"""The MySQL databases backend on a real MariaDB server (``RESELLER_API_MYSQL_BACKEND=mariadb``).

One short-lived connection per call, as the account in ``RESELLER_API_MARIADB_URL``
(``mysql://user:password@host:port``, or ``?unix_socket=/path``): jobs call from threads,
and a fresh connection needs no lock and never carries a broken session into the next call.

Safety, in two layers:

- every name is checked against a strict pattern before any connection is made (our API
  already allows less; this is defence in depth);
- every statement is built by the pure functions below: database names are backtick-quoted
  identifiers (a backtick doubled), user names and the password hash travel as parameters the
  driver escapes for the session's SQL mode, and the database name in ``GRANT ... ON``
  has ``\\``, ``_`` and ``%`` escaped, because there they are wildcards: unescaped,
  ``id5_shop`` would also grant ``id5xshop``.

Users are created as ``'name'@'%'`` (from any host): resellers' sites connect from web
servers whose addresses this API does not know. Passwords arrive only as the
``mysql_native_password`` hash and are set with ``IDENTIFIED BY PASSWORD``.

Errors: a server that cannot be reached (or drops the connection, or refuses our own
login) raises :class:`BackendUnavailable`; any other refusal raises :class:`BackendRefused`
with the server's reason, any password hash in it masked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.cursors

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.settings import Settings, SettingsError

log = logging.getLogger("reseller_api.backends.mariadb")

# Users connect from any host: see the module docstring.
USER_HOST = "%"
# What read_and_write grants: everything a web application needs on its own database, and
# never GRANT OPTION (a user must not hand its rights on). read_only reads tables and views.
READ_WRITE_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, "
    "LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER, EVENT"
)
READ_ONLY_PRIVILEGES = "SELECT, SHOW VIEW"
PRIVILEGES = {"read_and_write": READ_WRITE_PRIVILEGES, "read_only": READ_ONLY_PRIVILEGES}

# Stricter than MariaDB (which takes almost anything quoted): what our API ever produces,
# within the server's limits (64 for database names, 80 for user names).
_DATABASE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_USER_NAME = re.compile(r"[A-Za-z0-9_]{1,80}")
_NATIVE_HASH = re.compile(r"\*[0-9A-F]{40}")
_ANY_HASH = re.compile(r"\*[0-9A-Fa-f]{40}")

# Client-side codes (CR_*) and server codes that mean "unreachable or busy now": worth retrying.
_UNREACHABLE = {
    1040,  # too many connections
    1045,  # our own login refused: the operator must fix it; requests answer 503 meanwhile
    1053,  # server shutdown in progress
    1205,  # lock wait timeout
    1213,  # deadlock
    1927,  # connection killed
    2002,  # cannot connect through the socket
    2003,  # cannot connect to the host (refused, timed out)
    2005,  # unknown host
    2006,  # server has gone away
    2013,  # lost connection during query
    2055,  # lost connection (system error)
}
_NO_SUCH_GRANT = 1141
_NO_SUCH_USER = 1396  # ALTER USER on an account the server does not have
# Our own account lacks a privilege: the operator's to fix, and the details (our account's
# name, the grant pattern) are for the log, not for the reseller.
_OUR_PRIVILEGES = {1044, 1142, 1143, 1227, 1370}
_CONNECT_TIMEOUT = 5
_QUERY_TIMEOUT = 30

T = TypeVar("T")


# -- statements (pure, so the quoting is unit-tested and run against a real server) ---------


@dataclass(frozen=True, slots=True)
class Statement:
    """A pymysql template (``%s`` placeholders, literal ``%`` doubled) and its parameters."""

    sql: str
    params: tuple[str, ...] = ()


def quote_identifier(name: str) -> str:
    """A backtick-quoted identifier: a backtick inside is doubled, as MariaDB reads it."""
    return "`" + name.replace("`", "``") + "`"


def grant_pattern(database: str) -> str:
    """The database of ``GRANT ... ON <pattern>.*``: ``_`` and ``%`` are wildcards there."""
    escaped = database.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return quote_identifier(escaped)


def _template(text: str) -> str:
    """Text inlined into a template: pymysql interpolates with ``%``, so double each one."""
    return text.replace("%", "%%")


_ACCOUNT = "%s@%s"  # 'user'@'host', both escaped by the driver


def create_database(name: str) -> Statement:
    return Statement(
        f"CREATE DATABASE IF NOT EXISTS {_template(quote_identifier(name))} CHARACTER SET utf8mb4"
    )


def drop_database(name: str) -> Statement:
    return Statement(f"DROP DATABASE IF EXISTS {_template(quote_identifier(name))}")


def create_user(user: str, password_hash: str) -> Statement:
    return Statement(
        f"CREATE USER IF NOT EXISTS {_ACCOUNT} IDENTIFIED BY PASSWORD %s", (user, USER_HOST, password_hash)
    )


def set_password(user: str, password_hash: str) -> Statement:
    return Statement(f"ALTER USER {_ACCOUNT} IDENTIFIED BY PASSWORD %s", (user, USER_HOST, password_hash))


def set_locked(user: str, locked: bool) -> Statement:
    return Statement(f"ALTER USER {_ACCOUNT} ACCOUNT {'LOCK' if locked else 'UNLOCK'}", (user, USER_HOST))


def revoke(user: str, database: str) -> Statement:
    # Exactly what we grant, not ALL: revoking ALL would need our account to hold every
    # privilege (REFERENCES, DELETE HISTORY, ...) with GRANT OPTION.
    target = _template(grant_pattern(database))
    return Statement(f"REVOKE {READ_WRITE_PRIVILEGES} ON {target}.* FROM {_ACCOUNT}", (user, USER_HOST))


def grant(user: str, database: str, rights: str) -> Statement:
    target = _template(grant_pattern(database))
    return Statement(f"GRANT {PRIVILEGES[rights]} ON {target}.* TO {_ACCOUNT}", (user, USER_HOST))


def drop_user(user: str) -> Statement:
    return Statement(f"DROP USER IF EXISTS {_ACCOUNT}", (user, USER_HOST))


def database_sizes(names: Sequence[str]) -> Statement:
    # information_schema shows the tables our account has a privilege on: all of ours.
    marks = ", ".join(["%s"] * len(names))
    select = "SELECT table_schema, SUM(data_length + index_length) FROM information_schema.tables"
    where = f"WHERE table_schema IN ({marks}) GROUP BY table_schema"  # placeholders only
    return Statement(f"{select} {where}", tuple(names))


# -- validation -------------------------------------------------------------------------------


def check_database_name(name: str) -> str:
    if not _DATABASE_NAME.fullmatch(name):
        raise BackendRefused(f"{name!r} is not a database name this backend manages (letters, digits, _)")
    return name


def check_user_name(user: str) -> str:
    if not _USER_NAME.fullmatch(user):
        raise BackendRefused(f"{user!r} is not a user name this backend manages (letters, digits, _)")
    return user


def check_password_hash(password_hash: str) -> str:
    if not _NATIVE_HASH.fullmatch(password_hash):
        # Never echo it: it is a password's hash.
        raise BackendRefused("the password hash is not a mysql_native_password hash")
    return password_hash


def check_rights(rights: str) -> str:
    if rights not in PRIVILEGES:
        raise BackendRefused(f"unknown rights {rights!r}: expected read_and_write or read_only")
    return rights


def masked(message: str) -> str:
    """A server message fit for a reseller or a log: a statement it quotes may hold a hash."""
    return _ANY_HASH.sub("*<hash>", message)


# -- connection -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Where and as whom to connect; ``repr`` leaves the password out."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    unix_socket: str | None = None


def parse_url(url: str) -> Target:
    """``mysql://user[:password]@host[:port][/][?unix_socket=/path]`` (also ``mariadb://``)."""
    try:
        parts = urlsplit(url)
        port = parts.port or 3306
    except ValueError:
        raise SettingsError("RESELLER_API_MARIADB_URL: the port is not a number") from None
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname:
        raise SettingsError("RESELLER_API_MARIADB_URL: expected mysql://user[:password]@host[:port]")
    if parts.path not in ("", "/"):
        raise SettingsError("RESELLER_API_MARIADB_URL: takes no database name (the backend creates them)")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"unix_socket"}
    if unknown:
        raise SettingsError(
            f"RESELLER_API_MARIADB_URL: unknown parameters {sorted(unknown)} (only unix_socket)"
        )
    sockets = query.get("unix_socket")
    return Target(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        unix_socket=sockets[-1] if sockets else None,
    )


class MariaDbBackend:
    """:class:`~reseller_api.backends.base.MySqlDatabasesBackend` on MariaDB >= 10.4 (ACCOUNT LOCK)."""

    def __init__(self, settings: Settings) -> None:
        if settings.mariadb_url is None:
            raise SettingsError("the mariadb backend needs RESELLER_API_MARIADB_URL")
        self.target = parse_url(settings.mariadb_url)

    def probe(self) -> str:
        """``reseller-api check-config``: we can log in; the server's version and our grants."""

        def read(cursor: pymysql.cursors.Cursor) -> str:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])  # type: ignore[index]
            cursor.execute("SHOW GRANTS")
            grants = " ".join(str(row[0]) for row in cursor.fetchall())
            needed = ("CREATE USER", "GRANT OPTION")
            lacking = [g for g in needed if g not in grants and "ALL PRIVILEGES ON *.*" not in grants]
            shown = f"MariaDB {version} as {self.target.user}@{self.target.host}"
            return shown + (f" (lacks {', '.join(lacking)})" if lacking else "")

        return self._with_cursor("check the connection", read)

    # -- MySqlDatabasesBackend ----------------------------------------------------------------

    def create_database(self, name: str, max_size_mb: int) -> None:
        # MariaDB has no per-database size limit: max_size_mb is what we report, not enforce.
        self._run("create the database", create_database(check_database_name(name)))

    def drop_database(self, name: str) -> None:
        self._run("drop the database", drop_database(check_database_name(name)))

    def create_user(self, user: str, password_hash: str) -> None:
        check_user_name(user)
        check_password_hash(password_hash)
        # A user left by an earlier attempt converges to this password, unlocked.
        self._run(
            "create the user",
            create_user(user, password_hash),
            set_password(user, password_hash),
            set_locked(user, False),
        )

    def set_user_password(self, user: str, password_hash: str) -> None:
        self._run(
            "change the password", set_password(check_user_name(user), check_password_hash(password_hash))
        )

    def grant(self, user: str, database: str, rights: str) -> None:
        check_user_name(user)
        check_database_name(database)
        check_rights(rights)

        def apply(cursor: pymysql.cursors.Cursor) -> None:
            try:
                _execute(cursor, revoke(user, database))
            except pymysql.err.MySQLError as exc:
                if _code(exc) != _NO_SUCH_GRANT:  # nothing granted yet: nothing to revoke
                    raise
            _execute(cursor, grant(user, database, rights))

        self._with_cursor("grant the rights", apply)

    def set_user_enabled(self, user: str, enabled: bool) -> None:
        action = "enable the user" if enabled else "disable the user"
        self._run(action, set_locked(check_user_name(user), not enabled))

    def drop_user(self, user: str) -> None:
        self._run("drop the user", drop_user(check_user_name(user)))

    def database_sizes_mb(self, names: Sequence[str]) -> dict[str, float]:
        """Data + index size of each database that has tables (information_schema's estimate)."""
        wanted = [check_database_name(name) for name in names]
        if not wanted:
            return {}

        def read(cursor: pymysql.cursors.Cursor) -> dict[str, float]:
            _execute(cursor, database_sizes(wanted))
            return {str(schema): float(size or 0) / 1_048_576 for schema, size in cursor.fetchall()}

        return self._with_cursor("read the database sizes", read)

    # -- plumbing -----------------------------------------------------------------------------

    def _run(self, action: str, *statements: Statement) -> None:
        def apply(cursor: pymysql.cursors.Cursor) -> None:
            for statement in statements:
                _execute(cursor, statement)

        self._with_cursor(action, apply)

    def _with_cursor(self, action: str, work: Callable[[pymysql.cursors.Cursor], T]) -> T:
        try:
            with self._connection() as connection, connection.cursor() as cursor:
                return work(cursor)
        except pymysql.err.MySQLError as exc:
            raise _translated(action, exc) from None
        except OSError as exc:  # a socket error pymysql did not wrap
            raise BackendUnavailable(
                f"MariaDB unreachable, could not {action}: {exc.strerror or exc}"
            ) from None

    @contextmanager
    def _connection(self) -> Iterator[pymysql.connections.Connection[Any]]:
        target = self.target
        connection = pymysql.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            unix_socket=target.unix_socket,
            connect_timeout=_CONNECT_TIMEOUT,
            read_timeout=_QUERY_TIMEOUT,
            write_timeout=_QUERY_TIMEOUT,
            autocommit=True,
            charset="utf8mb4",
        )
        try:
            yield connection
        finally:
            connection.close()


def _execute(cursor: pymysql.cursors.Cursor, statement: Statement) -> None:
    # Always with a tuple, so pymysql interpolates (and un-doubles %%) even without parameters.
    cursor.execute(statement.sql, statement.params)


def _code(exc: pymysql.err.MySQLError) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def _translated(action: str, exc: pymysql.err.MySQLError) -> Exception:
    code = _code(exc)
    text = masked(str(exc.args[1])) if len(exc.args) > 1 else type(exc).__name__
    if isinstance(exc, pymysql.err.InterfaceError) or code in _UNREACHABLE:
        return BackendUnavailable(f"MariaDB unreachable, could not {action}: {text} ({code})")
    if code in _OUR_PRIVILEGES:
        log.error(
            "MariaDB refused to %s: %s (%s); see docs/backends.md for the account's GRANTs",
            action,
            text,
            code,
        )
        text = "reseller-api's MariaDB account lacks a privilege"
    elif code == _NO_SUCH_USER:
        text = "the user does not exist on the MariaDB server"
    return BackendRefused(f"MariaDB refused to {action}: {text} ({code})")
