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

import logging
import os
import pwd
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, func, insert, select, update

from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.network import IPNetwork, client_address
from reseller_api.store.database import Database
from reseller_api.store.tables import api_keys as api_keys_table
from reseller_api.store.tables import audit_log, resellers

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
) -> tuple[list[Entry], int]:
    """Newest first; filtered to one reseller by id or by name (operators)."""
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
    query = query.order_by(audit_log.c.id.desc()).limit(take).offset(skip)
    with database.engine.connect() as conn:
        rows = conn.execute(query).all()
        total = int(conn.execute(count).scalar_one())
    return [Entry(*r) for r in rows], total


class ApiActivity:
    """ASGI layer inside the gate: audit successful API writes, note when each key was last used."""

    def __init__(
        self, app: Callable[..., Awaitable[None]], database: Database, trusted: tuple[IPNetwork, ...]
    ) -> None:
        self.app = app
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
            await self.app(scope, receive, send)
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
            conn.execute(update(api_keys_table).where(api_keys_table.c.id == key_id).values(last_used_at=now))
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
