"""Server-side sessions and CSRF tokens.

The cookie holds a random token; the table holds its SHA-256, the user and the session's
CSRF token. A new session (new token) is issued at every sign-in, so a token planted
before sign-in (session fixation) is worthless after it. Forms shown before sign-in
(sign-in, set-password) use a double-submit cookie instead: the same random value in an
``HttpOnly`` cookie and in the form, which a cross-site page can neither read nor set.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import Cookie
from sqlalchemy import bindparam, delete, insert, select

from reseller_api.controlpanel.users import PanelUser, token_digest
from reseller_api.store.database import Database, Query
from reseller_api.store.tables import panel_sessions, panel_users, resellers

SESSION_COOKIE = "reseller_panel_session"
CSRF_COOKIE = "reseller_panel_csrf"
CSRF_FIELD = "csrf_token"
PATH = "/controlpanel"
LIFETIME = 8 * 3600.0  # a working day; then sign in again

_LOAD = Query(
    select(
        panel_sessions.c.csrf_token,
        panel_users.c.id,
        panel_users.c.reseller_id,
        resellers.c.name,
        panel_users.c.email,
    )
    .join(panel_users, panel_users.c.id == panel_sessions.c.user_id)
    .join(resellers, resellers.c.id == panel_users.c.reseller_id)
    .where(panel_sessions.c.id == bindparam("session_id"), panel_sessions.c.expires_at > bindparam("now"))
)


@dataclass(frozen=True, slots=True)
class PanelSession:
    id: str  # the SHA-256 of the cookie's token, as stored
    csrf_token: str
    user: PanelUser


def start(database: Database, user: PanelUser, previous_token: str | None) -> tuple[str, PanelSession]:
    """A fresh session for ``user`` (the previous one, if any, ends); returns the cookie token."""
    token = secrets.token_urlsafe(32)
    session = PanelSession(token_digest(token), secrets.token_urlsafe(32), user)
    now = time.time()
    with database.transaction() as conn:
        if previous_token:
            conn.execute(delete(panel_sessions).where(panel_sessions.c.id == token_digest(previous_token)))
        conn.execute(delete(panel_sessions).where(panel_sessions.c.expires_at <= now))
        conn.execute(
            insert(panel_sessions).values(
                id=session.id,
                user_id=user.id,
                csrf_token=session.csrf_token,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
    return token, session


def load(database: Database, token: str | None) -> PanelSession | None:
    if not token or len(token) > 100:
        return None
    row = database.fetch_one(_LOAD, session_id=token_digest(token), now=time.time())
    if row is None:
        return None
    return PanelSession(
        token_digest(token), str(row[0]), PanelUser(int(row[1]), int(row[2]), str(row[3]), str(row[4]))
    )


def end(database: Database, session: PanelSession) -> None:
    with database.transaction() as conn:
        conn.execute(delete(panel_sessions).where(panel_sessions.c.id == session.id))


def session_cookie(token: str, secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path=PATH,
        max_age=int(LIFETIME),
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def expired_session_cookie(secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE, value="", path=PATH, max_age=0, httponly=True, samesite="lax", secure=secure
    )


def csrf_cookie(value: str, secure: bool) -> Cookie:
    return Cookie(key=CSRF_COOKIE, value=value, path=PATH, httponly=True, samesite="lax", secure=secure)


def new_csrf_value() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, form: dict[str, Any]) -> bool:
    """Constant-time comparison of the form's token with the one we issued."""
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())
