"""``resellerctl databases ...``: MySQL databases and their users (passwords as for mailboxes)."""

from __future__ import annotations

from reseller_api.client.cli.commands import (
    Subparsers,
    command,
    finish_job,
    group,
    limited,
    listing_options,
    password_options,
    read_password,
    wait_options,
)
from reseller_api.client.cli.context import Context

D = "resellerctl databases"


ORDER = 90  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    databases = group(
        sub,
        "databases",
        "MySQL databases and their users",
        [f"{D} list", f"{D} create shop --account-id 12 --wait"],
    )
    listing_options(
        command(databases, "list", list_databases, "list your databases", [f"{D} list --format tsv"])
    )
    command(databases, "show", show_database, "show one database", [f"{D} show id12_shop"]).add_argument(
        "database_name"
    )
    create = command(
        databases,
        "create",
        create_database,
        "create a database (a provisioning job; a terminal asks for the password, hidden, twice)",
        [
            f"{D} create shop --account-id 12 --wait",
            f'printf "%s\\n" "$DB_PASSWORD" | {D} create shop --account-id 12 --password-stdin',
        ],
    )
    create.add_argument(
        "database_name", help="lowercase letters, digits and _; provisioned as id{account}_{name}"
    )
    create.add_argument("--account-id", type=int, required=True)
    password_options(create)
    wait_options(create)
    command(
        databases, "delete", delete_database, "delete a database (and its users)", [f"{D} delete id12_shop"]
    ).add_argument("database_name")
    command(databases, "users", list_users, "list a database's users", [f"{D} users id12_shop"]).add_argument(
        "database_name"
    )
    user = command(
        databases,
        "user-add",
        add_user,
        "add a read-only user (a provisioning job)",
        [f"{D} user-add id12_shop report --wait"],
    )
    user.add_argument("database_name")
    user.add_argument("user_name", help="2-14 lowercase letters or digits; provisioned as id{account}_{name}")
    password_options(user)
    wait_options(user)
    password = command(
        databases,
        "user-password",
        user_password,
        "change a user's password",
        [f"{D} user-password id12_shop id12_report"],
    )
    password.add_argument("database_name")
    password.add_argument("user_name")
    password_options(password)
    status = command(
        databases,
        "user-status",
        user_status,
        "enable or disable a user",
        [f"{D} user-status id12_shop id12_report off"],
    )
    status.add_argument("database_name")
    status.add_argument("user_name")
    status.add_argument("state", choices=["on", "off"])
    gone = command(
        databases, "user-delete", delete_user, "delete a user", [f"{D} user-delete id12_shop id12_report"]
    )
    gone.add_argument("database_name")
    gone.add_argument("user_name")


def list_databases(ctx: Context) -> None:
    items = ctx.client.mysqldatabases.iter_all(page_size=ctx.args.page_size)
    ctx.out.many(limited(items, ctx.args.limit), "MySQL databases", noun="MySQL databases")


def show_database(ctx: Context) -> None:
    ctx.out.one(ctx.client.mysqldatabases.get(ctx.args.database_name), "MySQL database")


def create_database(ctx: Context) -> None:
    a = ctx.args
    job = ctx.client.mysqldatabases.create(a.database_name, a.account_id, str(read_password(a)))
    finish_job(ctx, job, "MySQL database")


def delete_database(ctx: Context) -> None:
    ctx.client.mysqldatabases.delete(ctx.args.database_name)
    ctx.out.done(f"database {ctx.args.database_name} deleted")


def list_users(ctx: Context) -> None:
    ctx.out.many(ctx.client.mysqldatabases.users(ctx.args.database_name), "users", noun="users")


def add_user(ctx: Context) -> None:
    a = ctx.args
    job = ctx.client.mysqldatabases.create_user(a.database_name, a.user_name, str(read_password(a)))
    finish_job(ctx, job, "users")


def user_password(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mysqldatabases.set_user_password(a.database_name, a.user_name, str(read_password(a)))
    ctx.out.done(f"password of {a.user_name} changed")


def user_status(ctx: Context) -> None:
    a = ctx.args
    ctx.client.mysqldatabases.set_user_enabled(a.database_name, a.user_name, a.state == "on")
    ctx.out.done(f"user {a.user_name} {a.state}")


def delete_user(ctx: Context) -> None:
    ctx.client.mysqldatabases.delete_user(ctx.args.database_name, ctx.args.user_name)
    ctx.out.done(f"user {ctx.args.user_name} deleted")
