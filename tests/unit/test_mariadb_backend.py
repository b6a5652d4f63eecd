"""The MariaDB backend's pure parts: quoting, GRANT patterns, statements, validation, errors."""

from __future__ import annotations

import dataclasses

import pymysql
import pytest
from pymysql.converters import escape_string

from reseller_api.backends import mariadb
from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.mariadb import (
    MariaDbBackend,
    Statement,
    grant_pattern,
    parse_url,
    quote_identifier,
)
from reseller_api.settings import Settings, SettingsError
from tests.integration.realservers import free_port

HASH = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"  # PASSWORD('password')
HOSTILE = ["a`b", "a'b", 'a"b', "a;b", "a--b", "a%b", "a_b", "a\\b", "x`; DROP DATABASE mysql; --", ""]


def rendered(statement: Statement) -> str:
    """What pymysql sends (with backslash escapes on, the server's default mode)."""
    return statement.sql % tuple(f"'{escape_string(p)}'" for p in statement.params)


def test_identifiers_double_backticks() -> None:
    assert quote_identifier("shop") == "`shop`"
    assert quote_identifier("a`b") == "`a``b`"
    assert quote_identifier("`; DROP DATABASE x; --") == "```; DROP DATABASE x; --`"


def test_grant_pattern_escapes_wildcards() -> None:
    assert grant_pattern("id5_shop") == "`id5\\_shop`"
    assert grant_pattern("a%b") == "`a\\%b`"
    assert grant_pattern("a\\b") == "`a\\\\b`"
    assert grant_pattern("a`_b") == "`a``\\_b`"


def test_statements() -> None:
    assert rendered(mariadb.create_database("id5_shop")) == (
        "CREATE DATABASE IF NOT EXISTS `id5_shop` CHARACTER SET utf8mb4"
    )
    assert rendered(mariadb.drop_database("id5_shop")) == "DROP DATABASE IF EXISTS `id5_shop`"
    assert rendered(mariadb.create_user("id5_shop", HASH)) == (
        f"CREATE USER IF NOT EXISTS 'id5_shop'@'%' IDENTIFIED BY PASSWORD '{HASH}'"
    )
    assert rendered(mariadb.set_password("u", HASH)) == f"ALTER USER 'u'@'%' IDENTIFIED BY PASSWORD '{HASH}'"
    assert rendered(mariadb.set_locked("u", True)) == "ALTER USER 'u'@'%' ACCOUNT LOCK"
    assert rendered(mariadb.set_locked("u", False)) == "ALTER USER 'u'@'%' ACCOUNT UNLOCK"
    assert rendered(mariadb.grant("u", "id5_shop", "read_only")) == (
        "GRANT SELECT, SHOW VIEW ON `id5\\_shop`.* TO 'u'@'%'"
    )
    rw = rendered(mariadb.grant("u", "id5_shop", "read_and_write"))
    assert rw.startswith("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ")
    assert rw.endswith(" ON `id5\\_shop`.* TO 'u'@'%'")
    assert "GRANT OPTION" not in rw
    assert "ALL" not in rw
    assert rendered(mariadb.revoke("u", "id5_shop")).startswith("REVOKE SELECT, INSERT,")
    assert rendered(mariadb.drop_user("u")) == "DROP USER IF EXISTS 'u'@'%'"
    assert rendered(mariadb.database_sizes(["a", "b'c"])) == (
        "SELECT table_schema, SUM(data_length + index_length) FROM information_schema.tables "
        "WHERE table_schema IN ('a', 'b\\'c') GROUP BY table_schema"
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_their_quotes(name: str) -> None:
    # A '%' in an identifier is doubled in the template, so pymysql's interpolation keeps it.
    assert rendered(mariadb.drop_database(name)) == f"DROP DATABASE IF EXISTS {quote_identifier(name)}"
    assert rendered(mariadb.drop_user(name)) == f"DROP USER IF EXISTS '{escape_string(name)}'@'%'"
    granted = rendered(mariadb.grant(name, name, "read_only"))
    assert granted == f"GRANT SELECT, SHOW VIEW ON {grant_pattern(name)}.* TO '{escape_string(name)}'@'%'"


@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "a_b"])  # "_" is ours: quoted, not refused
def test_backend_refuses_hostile_names(name: str) -> None:
    with pytest.raises(BackendRefused):
        mariadb.check_database_name(name)
    with pytest.raises(BackendRefused):
        mariadb.check_user_name(name)


def test_name_limits() -> None:
    assert mariadb.check_database_name("a" * 64) == "a" * 64
    with pytest.raises(BackendRefused):
        mariadb.check_database_name("a" * 65)
    assert mariadb.check_user_name("A_1" * 26) == "A_1" * 26
    with pytest.raises(BackendRefused):
        mariadb.check_user_name("a" * 81)


def test_password_hash_and_rights_are_checked() -> None:
    assert mariadb.check_password_hash(HASH) == HASH
    for bad in ("Secret123", HASH.lower(), HASH + "'", HASH[1:], "*" + "G" * 40):
        with pytest.raises(BackendRefused) as refused:
            mariadb.check_password_hash(bad)
        assert bad not in str(refused.value)
    with pytest.raises(BackendRefused):
        mariadb.check_rights("all")


def test_hashes_are_masked_in_server_messages() -> None:
    message = f"You have an error in your SQL syntax near 'PASSWORD '{HASH}'' at line 1"
    assert HASH not in mariadb.masked(message)
    assert "*<hash>" in mariadb.masked(message)


def test_parse_url() -> None:
    target = parse_url("mysql://admin:s%40cret@db.example:3307")
    assert (target.host, target.port, target.user, target.password) == ("db.example", 3307, "admin", "s@cret")
    assert "s@cret" not in repr(target)
    default = parse_url("mariadb://root@127.0.0.1/")
    assert (default.port, default.password, default.unix_socket) == (3306, "", None)
    socket = parse_url("mysql://root@localhost?unix_socket=/run/mysqld/mysqld.sock")
    assert socket.unix_socket == "/run/mysqld/mysqld.sock"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:pw@h",
        "mysql://u:pw@h:notaport",
        "mysql://u:pw@h/somedb",
        "mysql://u:pw@h?ssl=1",
        "mysql:///nohost",
    ],
)
def test_bad_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_url(url)
    assert "pw" not in str(refused.value)


def test_errors_are_translated() -> None:
    gone = mariadb._translated("create the user", pymysql.err.OperationalError(2013, "Lost connection"))
    assert isinstance(gone, BackendUnavailable)
    syntax = mariadb._translated(
        "create the user", pymysql.err.ProgrammingError(1064, f"error in your SQL syntax near '{HASH}'")
    )
    assert isinstance(syntax, BackendRefused)
    assert "(1064)" in str(syntax)
    assert HASH not in str(syntax)
    # Our own account's missing privilege: the reseller reads a summary, the log has the details.
    privilege = mariadb._translated(
        "grant the rights",
        pymysql.err.OperationalError(
            1044, "Access denied for user 'reseller_api'@'10.0.0.1' to database 'x'"
        ),
    )
    assert str(privilege) == (
        "MariaDB refused to grant the rights: reseller-api's MariaDB account lacks a privilege (1044)"
    )
    missing = mariadb._translated("disable the user", pymysql.err.OperationalError(1396, "ALTER USER failed"))
    assert "the user does not exist" in str(missing)
    assert isinstance(mariadb._translated("x", pymysql.err.InterfaceError(0, "")), BackendUnavailable)


def test_unreachable_server_is_unavailable_and_never_shows_the_password() -> None:
    settings = dataclasses.replace(
        Settings(), mysql_backend="mariadb", mariadb_url=f"mysql://admin:Sup3rSecret@127.0.0.1:{free_port()}"
    )
    backend = MariaDbBackend(settings)
    assert "Sup3rSecret" not in repr(backend.target)
    with pytest.raises(BackendUnavailable) as unavailable:
        backend.create_database("id1_shop", 100)
    assert "Sup3rSecret" not in str(unavailable.value)
    with pytest.raises(BackendUnavailable):
        backend.database_sizes_mb(["id1_shop"])
    assert backend.database_sizes_mb([]) == {}  # nothing to ask: no connection at all
