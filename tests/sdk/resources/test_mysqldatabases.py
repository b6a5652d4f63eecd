"""``client.mysqldatabases``: databases and their users (creating either is a job)."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, NotFoundError
from reseller_api.wire.accounts import AccountDetail
from reseller_api.wire.mysqldatabases import MySqlDatabase


def test_mysql_databases_and_users(sdk: Client, other_sdk: Client, account: AccountDetail) -> None:
    dbs = sdk.mysqldatabases
    database = dbs.create("shop", account.id, "Database123x", wait=True, timeout=15)
    assert isinstance(database, MySqlDatabase)
    name = database.name
    assert dbs.get(name) == database
    assert [d.name for d in dbs.iter_all()] == [name] == [d.name for d in dbs.list()]
    users = dbs.create_user(name, "reader", "Reader123x", wait=True, timeout=15)
    user = next(u.name for u in users if u.name != name and "reader" in u.name)
    dbs.set_user_password(name, user, "Reader456y")
    dbs.set_user_enabled(name, user, False)
    assert not next(u for u in dbs.users(name) if u.name == user).enabled
    dbs.delete_user(name, user)
    assert user not in {u.name for u in dbs.users(name)}
    with pytest.raises(NotFoundError):
        other_sdk.mysqldatabases.get(name)
    dbs.delete(name)
    with pytest.raises(NotFoundError):
        dbs.get(name)
