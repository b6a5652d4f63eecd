"""Forms that are safe to send again, and secrets shown once behind a redirect.

Every signed-in form carries a one-time ``form_token`` beside its CSRF token. The first
submission claims it (its SHA-256 is stored with the session); the same form sent again (a
reload of a page answered by POST, the back button, a double click) finds the claim and
answers "already done" with a link to what the first one did, instead of acting twice.

A new secret is never rendered in the answer to a POST, which a reload would send again:
the POST notes that this session may see the key's secret once, and redirects (303) to a
page that shows it, decrypted from the key's row, and forgets the note. A webhook
endpoint's signing secret is shown the same way, from the endpoint's row.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api.controlpanel.sessions import CSRF_FIELD, PanelSession
from reseller_api.controlpanel.users import token_digest
from reseller_api.store.database import Database
from reseller_api.store.tables import (
    api_keys,
    panel_secret_views,
    panel_submitted_forms,
    panel_webhook_secret_views,
    webhook_endpoints,
)

FORM_FIELD = "form_token"
SECRET_VIEW_LIFETIME = 600.0  # the redirect is followed at once; a forgotten view dies soon


class AlreadyDone(Exception):
    """This form was submitted before; ``done_path`` is where its result can be seen."""

    def __init__(self, done_path: str) -> None:
        super().__init__(done_path)
        self.done_path = done_path


def hidden_fields(session: PanelSession) -> Markup:
    """The two hidden inputs every signed-in form carries: the session's CSRF token, a fresh form token."""
    # Markup.format escapes its arguments.
    return Markup(
        '<input type="hidden" name="{}" value="{}"><input type="hidden" name="{}" value="{}">'
    ).format(CSRF_FIELD, session.csrf_token, FORM_FIELD, secrets.token_urlsafe(18))


def claim(database: Database, session: PanelSession, form: dict[str, Any]) -> str | None:
    """Claim the form's token for this submission; raises :class:`AlreadyDone` if it was claimed before.

    Returns the claimed id, for :func:`done` (where the result is) or :func:`release` (the
    form was refused, so the same form may be corrected and sent again). A form without a
    token (a script, a page cached from before tokens) has already passed the CSRF check and
    is acted on, once per submission: None.
    """
    token = form.get(FORM_FIELD)
    if not isinstance(token, str) or not token:
        return None
    if len(token) > 64:
        raise AlreadyDone("")
    claimed = token_digest(token)
    try:
        with database.transaction() as conn:
            conn.execute(
                insert(panel_submitted_forms).values(
                    id=claimed, session_id=session.id, done_path="", created_at=time.time()
                )
            )
    except IntegrityError:
        with database.engine.connect() as conn:
            earlier = conn.execute(
                select(panel_submitted_forms.c.done_path).where(panel_submitted_forms.c.id == claimed)
            ).scalar()
        raise AlreadyDone(str(earlier or "")) from None
    return claimed


@dataclass
class Claim:
    """A form's claimed token: say where its result is, or give it back (the form was refused)."""

    database: Database
    id: str | None

    def done(self, done_path: str) -> None:
        if self.id is not None:
            done(self.database, self.id, done_path)

    def release(self) -> None:
        if self.id is not None:
            release(self.database, self.id)


@contextmanager
def once(database: Database, session: PanelSession, form: dict[str, Any]) -> Iterator[Claim]:
    """Claim the form for the block; anything raised in it (not found, refused) gives the claim back."""
    claimed = Claim(database, claim(database, session, form))
    try:
        yield claimed
    except BaseException:
        claimed.release()
        raise


def done(database: Database, claimed: str, done_path: str) -> None:
    with database.transaction() as conn:
        conn.execute(
            update(panel_submitted_forms)
            .where(panel_submitted_forms.c.id == claimed)
            .values(done_path=done_path)
        )


def release(database: Database, claimed: str) -> None:
    with database.transaction() as conn:
        conn.execute(delete(panel_submitted_forms).where(panel_submitted_forms.c.id == claimed))


def allow_secret_view(database: Database, session: PanelSession, api_key: str, *, rotated: bool) -> None:
    """Let this session see ``api_key``'s secret once (after create or rotate)."""
    with database.transaction() as conn:
        key_id = conn.execute(select(api_keys.c.id).where(api_keys.c.key == api_key)).scalar_one()
        conn.execute(
            delete(panel_secret_views).where(
                panel_secret_views.c.session_id == session.id, panel_secret_views.c.api_key_id == key_id
            )
        )
        conn.execute(
            insert(panel_secret_views).values(
                session_id=session.id,
                api_key_id=key_id,
                rotated=rotated,
                expires_at=time.time() + SECRET_VIEW_LIFETIME,
            )
        )


def take_secret_view(database: Database, session: PanelSession, key_id: int) -> tuple[str, bool] | None:
    """The encrypted secret and whether it was a rotation, once; None once shown (or never allowed)."""
    with database.transaction() as conn:
        row = conn.execute(
            select(panel_secret_views.c.rotated, panel_secret_views.c.expires_at, api_keys.c.secret_encrypted)
            .join(api_keys, api_keys.c.id == panel_secret_views.c.api_key_id)
            .where(panel_secret_views.c.session_id == session.id, panel_secret_views.c.api_key_id == key_id)
        ).first()
        conn.execute(
            delete(panel_secret_views).where(
                panel_secret_views.c.session_id == session.id, panel_secret_views.c.api_key_id == key_id
            )
        )
    if row is None or row[1] < time.time():
        return None
    return str(row[2]), bool(row[0])


def allow_webhook_secret_view(
    database: Database, session: PanelSession, webhook_id: int, *, rotated: bool
) -> None:
    """Let this session see webhook ``webhook_id``'s signing secret once (after create or rotate)."""
    views = panel_webhook_secret_views
    with database.transaction() as conn:
        conn.execute(delete(views).where(views.c.session_id == session.id, views.c.webhook_id == webhook_id))
        conn.execute(
            insert(views).values(
                session_id=session.id,
                webhook_id=webhook_id,
                rotated=rotated,
                expires_at=time.time() + SECRET_VIEW_LIFETIME,
            )
        )


def take_webhook_secret_view(
    database: Database, session: PanelSession, reseller_id: int, webhook_id: int
) -> tuple[str, bool] | None:
    """The endpoint's encrypted signing secret and whether it was a rotation, once; None once
    shown, never allowed, or not this reseller's endpoint."""
    views = panel_webhook_secret_views
    with database.transaction() as conn:
        row = conn.execute(
            select(views.c.rotated, views.c.expires_at, webhook_endpoints.c.secret)
            .join(webhook_endpoints, webhook_endpoints.c.id == views.c.webhook_id)
            .where(
                views.c.session_id == session.id,
                views.c.webhook_id == webhook_id,
                webhook_endpoints.c.reseller_id == reseller_id,
            )
        ).first()
        conn.execute(delete(views).where(views.c.session_id == session.id, views.c.webhook_id == webhook_id))
    if row is None or row[1] < time.time():
        return None
    return str(row[2]), bool(row[0])
