"""The audit log: who (a panel user, an API key or an operator) changed what, when, from where.

Panel changes are recorded by the panel's routes. API changes are recorded by
:class:`ApiActivity`, an ASGI layer between the gate and the application: it sees the
authenticated key the gate put in the scope and the response status, and records every
successful (2xx) request that is not a read. It records the method, the path and the
``Location`` answered: never a body or a query string, so no password or secret that a
request carries can reach the log. The same layer keeps ``api_keys.last_used_at`` fresh,
written at most once a minute per key so the hot path pays a dictionary lookup, not a write.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import pwd
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from reseller_api.controlpanel import words
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.network import IPNetwork, client_address
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys as api_keys_table
from reseller_api.store.tables import audit_log, provisioning_jobs, resellers

log = logging.getLogger("reseller_api.audit")

USER, API_KEY, OPERATOR = "user", "api_key", "operator"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
LAST_USED_EVERY = 60.0


def operator_name() -> str:
    """Who runs an ``admin`` command: the operating-system user (the one behind sudo, if any)."""
    try:
        own = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        own = f"uid {os.geteuid()}"
    behind = os.environ.get("SUDO_USER")
    return f"{behind} (sudo as {own})" if behind and behind != own else own


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    created_at: float
    reseller: str | None
    actor_kind: str
    actor: str
    action: str
    detail: str
    address: str | None
    summary: str = ""  # the entry in words
    actor_label: str = ""  # "API key 'billing'", "ops@example.com", "operator ..."


# What the action filter offers: a label and which entries it keeps.
ACTION_KINDS: dict[str, tuple[str, ColumnElement[bool]]] = {
    "signin": ("Sign-ins", audit_log.c.action.in_(["sign in", "sign in failed", "sign out"])),
    "failed": ("Failed sign-ins", audit_log.c.action == "sign in failed"),
    "keys": (
        "API keys and whitelists",
        audit_log.c.action.like("%API key%") | audit_log.c.action.like("%address"),
    ),
    "passwords": ("Passwords", audit_log.c.action.like("%password%")),
    "api": ("Changes through the API", audit_log.c.actor_kind == API_KEY),
    "webhooks": ("Webhooks", audit_log.c.action.like("%webhook%")),
    "accounts": ("Accounts", audit_log.c.action.like("% /v2/accounts%")),
    "dns": (
        "DNS and domains",
        audit_log.c.action.like("% /v2/dns/%") | audit_log.c.action.like("% /v2/domains%"),
    ),
    "hostings": ("Linux hostings", audit_log.c.action.like("% /v2/linuxhostings/%")),
    "mail": ("Mail", audit_log.c.action.like("% /v2/mail%")),
    "databases": ("MySQL databases", audit_log.c.action.like("% /v2/mysqldatabases%")),
}


@dataclass(frozen=True, slots=True)
class Filters:
    """What a reader narrows the log to; empty values keep everything."""

    actor: str = ""  # an e-mail, an API key, or "operator"
    key: str = ""  # entries by or about this API key
    action: str = ""  # a key of ACTION_KINDS
    since: str = ""  # YYYY-MM-DD, from the start of that day (UTC)
    until: str = ""  # YYYY-MM-DD, to the end of that day (UTC)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, actor: str = "", key: str = "", action: str = "", since: str = "", until: str = ""
    ) -> Filters:
        problems = []
        for name, value in (("from", since), ("to", until)):
            if value and _day(value) is None:
                problems.append(f"The {name} date {value!r} is not a date such as 2026-12-31.")
        if action and action not in ACTION_KINDS:
            problems.append(f"{action!r} is not a kind of action.")
        return cls(
            actor.strip(), key.strip(), action if action in ACTION_KINDS else "", since, until, problems
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor:
            found.append(
                audit_log.c.actor_kind == OPERATOR
                if self.actor == "operator"
                else func.lower(audit_log.c.actor) == self.actor.lower()
            )
        if self.key:
            found.append(
                or_(
                    and_(audit_log.c.actor_kind == API_KEY, audit_log.c.actor == self.key),
                    audit_log.c.detail.contains(self.key, autoescape=True),
                )
            )
        if self.action:
            found.append(ACTION_KINDS[self.action][1])
        start, end = _day(self.since), _day(self.until)
        if start is not None:
            found.append(audit_log.c.created_at >= start)
        if end is not None:
            found.append(audit_log.c.created_at < end + 86400)
        return found

    def query(self) -> dict[str, str]:
        """As URL parameters (for paging links and the CSV export)."""
        values = {"actor": self.actor, "key": self.key, "action": self.action}
        values.update({"from": self.since, "to": self.until})
        return {k: v for k, v in values.items() if v}


def _day(value: str) -> float | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def record(
    target: Database | Connection,
    *,
    reseller_id: int | None,
    actor_kind: str,
    actor: str,
    action: str,
    detail: str = "",
    address: str | None = None,
) -> None:
    """Append one entry, in the caller's transaction when given a connection."""
    values = {
        "created_at": time.time(),
        "reseller_id": reseller_id,
        "actor_kind": actor_kind,
        "actor": actor[:254],
        "action": action[:200],
        "detail": detail,
        "address": address,
    }
    if isinstance(target, Connection):
        target.execute(insert(audit_log).values(**values))
        return
    with target.transaction() as conn:
        conn.execute(insert(audit_log).values(**values))


def entries(
    database: Database,
    *,
    reseller_id: int | None = None,
    reseller: str | None = None,
    skip: int = 0,
    take: int = 50,
    filters: Filters | None = None,
) -> tuple[list[Entry], int]:
    """Newest first, in words; filtered to one reseller by id or by name (operators), and by ``filters``."""
    query = select(
        audit_log.c.id,
        audit_log.c.created_at,
        resellers.c.name,
        audit_log.c.actor_kind,
        audit_log.c.actor,
        audit_log.c.action,
        audit_log.c.detail,
        audit_log.c.address,
    ).outerjoin(resellers, resellers.c.id == audit_log.c.reseller_id)
    count = select(func.count()).select_from(
        audit_log.outerjoin(resellers, resellers.c.id == audit_log.c.reseller_id)
    )
    if reseller_id is not None:
        query = query.where(audit_log.c.reseller_id == reseller_id)
        count = count.where(audit_log.c.reseller_id == reseller_id)
    if reseller is not None:
        query = query.where(resellers.c.name == reseller)
        count = count.where(resellers.c.name == reseller)
    for condition in filters.conditions() if filters else []:
        query = query.where(condition)
        count = count.where(condition)
    query = query.order_by(audit_log.c.id.desc()).limit(take).offset(skip)
    with database.engine.connect() as conn:
        rows = conn.execute(query).all()
        total = int(conn.execute(count).scalar_one())
        names = _key_names(conn, words.keys_mentioned([(r[3], r[4], r[6]) for r in rows]))
        subjects = _job_subjects(conn, words.jobs_mentioned([r[6] for r in rows]))
    return [
        Entry(*r, summary=words.describe(r[5], r[6], names, subjects), actor_label=_actor(r[3], r[4], names))
        for r in rows
    ], total


def _key_names(conn: Connection, keys: set[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = conn.execute(
        select(api_keys_table.c.key, api_keys_table.c.name).where(api_keys_table.c.key.in_(keys))
    )
    return {str(k): str(n) for k, n in rows if n}


def _job_subjects(conn: Connection, job_ids: set[str]) -> dict[str, str]:
    if not job_ids:
        return {}
    rows = conn.execute(
        select(provisioning_jobs.c.id, provisioning_jobs.c.subject).where(provisioning_jobs.c.id.in_(job_ids))
    )
    return {str(i): str(s) for i, s in rows if s}


def _actor(kind: str, actor: str, names: dict[str, str]) -> str:
    if kind == API_KEY:
        return f"API key {words.quoted_key(actor, names)}"
    if kind == OPERATOR:
        return f"operator ({actor})" if actor and actor != "operator" else "operator"
    return actor


CSV_COLUMNS = ["time_utc", "reseller", "actor_kind", "actor", "summary", "action", "detail", "address"]


def as_csv(found: list[Entry]) -> str:
    """The entries as CSV (UTF-8, a header row), for spreadsheets and archives."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in found:
        at = datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = [at, e.reseller or "", e.actor_kind, e.actor_label or e.actor, e.summary, e.action, e.detail]
        # A cell starting with = + - @ is a formula to a spreadsheet: never let an entry run one.
        writer.writerow([f"'{v}" if v[:1] in ("=", "+", "-", "@") else v for v in [*row, e.address or ""]])
    return out.getvalue()


class ApiActivity:
    """ASGI layer inside the gate: audit successful API writes, note when each key was last used."""

    def __init__(
        self, app: Callable[..., Awaitable[None]], database: Database, trusted: tuple[IPNetwork, ...]
    ) -> None:
        self.app = app
        # Reads skip the layers that only act on writes (they say so with ``reads``: the
        # Idempotency-Key and webhook layers), so a signed GET pays nothing for them.
        self.reads: Callable[..., Awaitable[None]] = getattr(app, "reads", app)
        self.database = database
        self.trusted = trusted
        self._last_used: dict[int, float] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        credential = scope.get(CREDENTIAL_SCOPE_KEY) if scope["type"] == "http" else None
        if credential is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] in READS:
            # Reads are never audited: only the once-a-minute "last used" note can be due, and
            # the hot path (signed GETs) should not pay for watching the response.
            await self.reads(scope, receive, send)
            now = time.time()
            if now - self._last_used.get(credential.key_id, 0.0) >= LAST_USED_EVERY:
                self._last_used[credential.key_id] = now
                await self._record(scope, credential, None, "", now)
            return
        answered: dict[str, Any] = {}

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"location":
                        answered["location"] = value.decode("latin-1")
            await send(message)

        await self.app(scope, receive, watch)
        now = time.time()
        status = int(answered.get("status", 0))
        audit = scope["method"] not in READS and 200 <= status < 300
        touch = now - self._last_used.get(credential.key_id, 0.0) >= LAST_USED_EVERY
        if not (audit or touch):
            return
        if touch:
            self._last_used[credential.key_id] = now
        detail = f"{status}" + (f" {answered['location']}" if "location" in answered else "")
        action = f"{scope['method']} {scope['path']}" if audit else None
        await self._record(scope, credential, action, detail, now)

    async def _record(
        self, scope: dict[str, Any], credential: Any, action: str | None, detail: str, now: float
    ) -> None:
        address = client_address(scope, self.trusted)
        try:
            await anyio.to_thread.run_sync(
                self._write,
                credential.key_id,
                credential.reseller_id,
                credential.api_key,
                action,
                detail,
                None if address is None else str(address),
                now,
            )
        except Exception:  # the response is already sent; a lost entry must not look like a failure
            log.exception("could not record API activity of key %s", credential.api_key)

    def _write(
        self,
        key_id: int,
        reseller_id: int,
        api_key: str,
        action: str | None,
        detail: str,
        address: str | None,
        now: float,
    ) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                update(api_keys_table)
                .where(api_keys_table.c.id == key_id)
                .values(last_used_at=now, last_used_address=address)
            )
            if action is not None:
                record(
                    conn,
                    reseller_id=reseller_id,
                    actor_kind=API_KEY,
                    actor=api_key,
                    action=action,
                    detail=detail,
                    address=address,
                )
