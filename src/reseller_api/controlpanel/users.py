"""Reseller users of the control panel: created by operators, passwords set through a one-time link.

Only argon2id hashes of passwords are stored. The set-password token is printed once by
``reseller-api admin user create``; the database keeps its SHA-256, so a copy of the
database cannot be used to take over an account that has not chosen its password yet.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update

from reseller_api.credentials.service import RESELLER_NOT_FOUND
from reseller_api.crypto import hash_password, verify_password
from reseller_api.errors import ApiProblem, define
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import panel_sessions, panel_users, resellers

TOKEN_LIFETIME = 72 * 3600.0
MIN_PASSWORD, MAX_PASSWORD = 12, 128

EMAIL_INVALID = define("panel_user_email_invalid", 400, "Expected an e-mail address such as ops@example.com.")
USER_EXISTS = define(
    "panel_user_exists", 400, "A control panel user with this e-mail address already exists."
)
USER_NOT_FOUND = define("panel_user_not_found", 404, "No control panel user has this e-mail address.")
PASSWORD_WEAK = define(
    "panel_password_invalid",
    400,
    f"Passwords are {MIN_PASSWORD} to {MAX_PASSWORD} characters and not only spaces.",
)
PASSWORD_MISMATCH = define("panel_password_mismatch", 400, "The two new passwords differ.")
PASSWORD_WRONG = define("panel_password_wrong", 400, "The current password is wrong.")
PASSWORD_SAME = define(
    "panel_password_unchanged", 400, "The new password is the current one; choose a different password."
)
TOKEN_INVALID = define(
    "panel_password_link_invalid",
    400,
    "This set-password link is unknown, used or expired; ask your operator for a new one.",
)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
# Verifying against this when the e-mail is unknown makes both answers take as long.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))

_BY_EMAIL = Query(
    select(panel_users.c.id, panel_users.c.reseller_id, resellers.c.name, panel_users.c.password_hash)
    .join(resellers, resellers.c.id == panel_users.c.reseller_id)
    .where(panel_users.c.email == bindparam("email"))
)


@dataclass(frozen=True, slots=True)
class PanelUser:
    id: int
    reseller_id: int
    reseller: str
    email: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def canonical_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ApiProblem(EMAIL_INVALID)
    return value


def check_password(password: str, confirm: str | None = None) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or not password.strip():
        raise ApiProblem(PASSWORD_WEAK)
    if confirm is not None and password != confirm:
        raise ApiProblem(PASSWORD_MISMATCH)


def _new_token() -> tuple[str, str, float]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token), time.time() + TOKEN_LIFETIME


def create_user(database: Database, reseller: str, email: str) -> tuple[PanelUser, str]:
    """A user without a password yet, and the one-time token that lets it choose one."""
    email = canonical_email(email)
    token, digest, expires = _new_token()
    with database.transaction() as conn:
        reseller_id = conn.execute(select(resellers.c.id).where(resellers.c.name == reseller)).scalar()
        if reseller_id is None:
            raise ApiProblem(RESELLER_NOT_FOUND, f"No reseller is named {reseller!r}.")
        if conn.execute(select(panel_users.c.id).where(panel_users.c.email == email)).first():
            raise ApiProblem(USER_EXISTS)
        user_id = conn.execute(
            insert(panel_users)
            .values(
                reseller_id=reseller_id,
                email=email,
                password_hash=None,
                password_token_hash=digest,
                password_token_expires_at=expires,
                created_at=time.time(),
            )
            .returning(panel_users.c.id)
        ).scalar_one()
    return PanelUser(int(user_id), int(reseller_id), reseller, email), token


def new_password_link(database: Database, email: str) -> tuple[PanelUser, str]:
    """A fresh one-time token for an existing user (forgotten password); older tokens die."""
    email = canonical_email(email)
    token, digest, expires = _new_token()
    with database.transaction() as conn:
        row = conn.execute(
            select(panel_users.c.id, panel_users.c.reseller_id, resellers.c.name)
            .join(resellers, resellers.c.id == panel_users.c.reseller_id)
            .where(panel_users.c.email == email)
        ).first()
        if row is None:
            raise ApiProblem(USER_NOT_FOUND)
        conn.execute(
            update(panel_users)
            .where(panel_users.c.id == row[0])
            .values(password_token_hash=digest, password_token_expires_at=expires)
        )
    return PanelUser(int(row[0]), int(row[1]), str(row[2]), email), token


def user_for_token(database: Database, token: str) -> PanelUser | None:
    with database.engine.connect() as conn:
        row = conn.execute(
            select(panel_users.c.id, panel_users.c.reseller_id, resellers.c.name, panel_users.c.email)
            .join(resellers, resellers.c.id == panel_users.c.reseller_id)
            .where(
                panel_users.c.password_token_hash == token_digest(token),
                panel_users.c.password_token_expires_at > time.time(),
            )
        ).first()
    return None if row is None else PanelUser(int(row[0]), int(row[1]), str(row[2]), str(row[3]))


def set_password_with_token(database: Database, token: str, password: str, confirm: str) -> PanelUser:
    """Use the one-time link: the token dies, every session of the user ends."""
    user = user_for_token(database, token)
    if user is None:
        raise ApiProblem(TOKEN_INVALID)
    check_password(password, confirm)
    password_hash = hash_password(password)
    with database.transaction() as conn:
        done = conn.execute(
            update(panel_users)
            .where(panel_users.c.id == user.id, panel_users.c.password_token_hash == token_digest(token))
            .values(password_hash=password_hash, password_token_hash=None, password_token_expires_at=None)
        )
        if done.rowcount != 1:  # used by a concurrent request in the meantime
            raise ApiProblem(TOKEN_INVALID)
        conn.execute(delete(panel_sessions).where(panel_sessions.c.user_id == user.id))
    return user


def authenticate(database: Database, email: str, password: str) -> PanelUser | None:
    """The user when the password matches; None otherwise, in about the same time either way."""
    key = email.strip().lower()
    row = database.fetch_one(_BY_EMAIL, email=key)
    stored = row[3] if row is not None and row[3] else _DUMMY_HASH
    if not verify_password(stored, password) or row is None or not row[3]:
        return None
    return PanelUser(int(row[0]), int(row[1]), str(row[2]), key)


def reseller_of(database: Database, email: str) -> int | None:
    """The reseller of the user with this e-mail (for recording a failed sign-in), if any."""
    row = database.fetch_one(_BY_EMAIL, email=email.strip().lower())
    return None if row is None else int(row[1])


def change_password(
    database: Database, user: PanelUser, current: str, new: str, confirm: str, keep_session: str
) -> None:
    """Change a signed-in user's password; every other session of the user ends."""
    row = database.fetch_one(_BY_EMAIL, email=user.email)
    if row is None or not row[3] or not verify_password(row[3], current):
        raise ApiProblem(PASSWORD_WRONG)
    check_password(new, confirm)
    if new == current:
        raise ApiProblem(PASSWORD_SAME)
    password_hash = hash_password(new)
    with database.transaction() as conn:
        conn.execute(
            update(panel_users).where(panel_users.c.id == user.id).values(password_hash=password_hash)
        )
        conn.execute(
            delete(panel_sessions).where(
                panel_sessions.c.user_id == user.id, panel_sessions.c.id != keep_session
            )
        )


def list_users(database: Database, reseller: str | None = None) -> list[tuple[str, str, bool, float]]:
    """(email, reseller, has a password, created at) for operators."""
    query = (
        select(panel_users.c.email, resellers.c.name, panel_users.c.password_hash, panel_users.c.created_at)
        .join(resellers, resellers.c.id == panel_users.c.reseller_id)
        .order_by(panel_users.c.id)
    )
    if reseller is not None:
        query = query.where(resellers.c.name == reseller)
    with database.engine.connect() as conn:
        return [(str(r[0]), str(r[1]), r[2] is not None, float(r[3])) for r in conn.execute(query)]
