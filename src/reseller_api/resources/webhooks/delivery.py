"""Send the outbox's deliveries: signed, retried with back-off, in order per resource.

Runs where provisioning jobs run (inside ``serve`` with the embedded runner, in every
``reseller-api worker`` otherwise), as a loop of its own so a slow receiver never holds up
a job. Several processes share the table by leases: a delivery is claimed for
:data:`LEASE_SECONDS`; a process that dies mid-delivery leaves the lease to expire, and the
delivery goes out again with the same ``webhook-id`` (at least once: receivers de-duplicate
on it).

- 2xx: delivered. Anything else (a status, a refused connection, a timeout): tried again
  after ``5 s * 2^(attempts-1)`` (at most an hour), until ``RESELLER_API_WEBHOOK_RETRY_WINDOW``
  (24 hours) after the event; then the delivery is failed, its endpoint disabled, and the
  audit log says so.
- Deliveries of one resource to one endpoint go out in order: one waits while an earlier
  one is still pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import Connection, bindparam, insert, or_, select, update

from reseller_api import clock
from reseller_api.crypto import SecretBox
from reseller_api.resources.webhooks import addresses, pinning, signing
from reseller_api.resources.webhooks.events import TEST_EVENT
from reseller_api.resources.webhooks.tables import webhook_deliveries, webhook_events
from reseller_api.settings import Settings
from reseller_api.store.database import Database, Query
from reseller_api.store.driver import DATABASE_AWAY
from reseller_api.store.tables import audit_log, webhook_endpoints
from reseller_api.version import __version__

log = logging.getLogger("reseller_api.webhooks")
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
LEASE_SECONDS = 30.0
TIMEOUT_SECONDS = 10.0
FIRST_RETRY = 5.0
MAX_RETRY = 3600.0
IDLE_POLL = 0.5
BATCH = 20
deliveries, endpoints, events = webhook_deliveries, webhook_endpoints, webhook_events
# One pending delivery that is due, if any (the status index): the idle loop's only read.
_ANY_DUE = Query(
    select(deliveries.c.id)
    .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= bindparam("now"))
    .limit(1)
)


def retry_delay(attempts: int) -> float:
    return min(MAX_RETRY, FIRST_RETRY * 2.0 ** max(0, attempts - 1))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    endpoint_id: int
    event_id: str
    resource: str
    attempts: int
    created_at: float


class Deliverer:
    def __init__(
        self,
        database: Database,
        box: SecretBox,
        *,
        allow_private: bool,
        retry_window: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``transport``: by default a :class:`pinning.PinnedTransport` (a test may give one
        with its own certificate authority); another sends to wherever the name resolves."""
        self.db = database
        self.box = box
        self.allow_private = allow_private
        self.retry_window = retry_window
        self._http = httpx.Client(
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            trust_env=False,
            transport=transport or pinning.PinnedTransport(),
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    # -- the loop ----------------------------------------------------------------------

    async def start(self, *, sole: bool = False) -> None:
        """``sole``: no other process delivers (the embedded runner), so deliveries leased by a
        process that died (this one, before a restart) go out again now, not when their lease ends."""
        if sole:
            await asyncio.to_thread(self.release_all_leases)
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._loop_forever(), name="webhook-deliverer")

    def release_all_leases(self) -> None:
        with self.db.transaction() as conn:
            conn.execute(update(deliveries).where(deliveries.c.status == PENDING).values(lease_until=None))

    async def stop(self) -> None:
        """Let the pass under way end (a thread cannot be cancelled: it would hold its
        connection past the database's disposal), then stop."""
        if self._task is not None:
            self._stopping.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.close()

    def close(self) -> None:
        """Close the HTTP connections (a deliverer that was never started, too)."""
        self._http.close()

    async def _loop_forever(self) -> None:
        while not self._stopping.is_set():
            sent = 0
            try:
                # On SQLite the "anything due?" read is inline (microseconds): an idle
                # deliverer wakes no thread (see jobs/runner.py on why that matters).
                due = self.anything_due() if self.db.is_sqlite else await asyncio.to_thread(self.anything_due)
                if due:
                    sent = await asyncio.to_thread(self.deliver_due)
            except DATABASE_AWAY as exc:  # the database may be briefly away; keep delivering
                log.warning("webhook delivery iteration failed (%s); retrying", exc)
            except Exception:
                log.exception("webhook delivery iteration failed; retrying")
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), IDLE_POLL)

    def anything_due(self) -> bool:
        return self.db.fetch_one(_ANY_DUE, now=clock.time()) is not None

    # -- one pass ----------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Try every delivery that is due; how many were attempted."""
        now = clock.time()
        with self.db.engine.connect() as conn:
            due = [
                row.id
                for row in conn.execute(
                    select(deliveries.c.id)
                    .where(
                        deliveries.c.status == PENDING,
                        deliveries.c.next_attempt_at <= now,
                        or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
                    )
                    .order_by(deliveries.c.id)
                    .limit(BATCH)
                )
            ]
        return sum(1 for delivery_id in due if self.deliver_one(delivery_id))

    def claim(self, delivery_id: int) -> Claimed | None:
        now = clock.time()
        with self.db.transaction() as conn:
            row = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == delivery_id,
                    deliveries.c.status == PENDING,
                    or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
                )
                .values(lease_until=now + LEASE_SECONDS)
                .returning(
                    deliveries.c.endpoint_id,
                    deliveries.c.event_id,
                    deliveries.c.resource,
                    deliveries.c.attempts,
                    deliveries.c.created_at,
                )
            ).first()
            if row is None:
                return None
            earlier = conn.execute(
                select(deliveries.c.id)
                .where(
                    deliveries.c.endpoint_id == row.endpoint_id,
                    deliveries.c.resource == row.resource,
                    deliveries.c.status == PENDING,
                    deliveries.c.id < delivery_id,
                )
                .limit(1)
            ).first()
            if earlier is not None:  # in order per resource: this one waits for it
                conn.execute(
                    update(deliveries).where(deliveries.c.id == delivery_id).values(lease_until=None)
                )
                return None
        return Claimed(delivery_id, row.endpoint_id, row.event_id, row.resource, row.attempts, row.created_at)

    def deliver_one(self, delivery_id: int) -> bool:
        """Claim and send one delivery, then record what happened; False if not ours to send now."""
        claimed = self.claim(delivery_id)
        if claimed is None:
            return False
        with self.db.engine.connect() as conn:
            endpoint = conn.execute(
                select(endpoints.c.url, endpoints.c.secret, endpoints.c.enabled).where(
                    endpoints.c.id == claimed.endpoint_id
                )
            ).one()
            event = conn.execute(
                select(events.c.type, events.c.data, events.c.created_at).where(
                    events.c.id == claimed.event_id
                )
            ).one()
        body = json.dumps(
            {
                "id": claimed.event_id,
                "type": event.type,
                "created_at": iso(event.created_at),
                "data": json.loads(event.data),
            },
            separators=(",", ":"),
        ).encode()
        code: int | None = None
        error: str | None = None
        started = time.monotonic()
        # A disabled endpoint gets tests only (they say whether it works again).
        enabled = bool(endpoint.enabled) or event.type == TEST_EVENT
        if not enabled:
            error = "the endpoint is disabled"
        else:
            try:
                # The POST connects to what this check vetted, not to a new resolution.
                vetted = addresses.check_url(endpoint.url, allow_private=self.allow_private)
                secret = self.box.decrypt(endpoint.secret)
                code = self._post(endpoint.url, vetted, secret, claimed.event_id, body)
            except addresses.Refused as exc:
                error = str(exc)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency = int((time.monotonic() - started) * 1000)
        if code is not None and not 200 <= code < 300:
            error = f"the endpoint answered {code}"
        self._record(claimed, code, latency, error, endpoint_enabled=bool(endpoint.enabled), retry=enabled)
        return True

    def _post(
        self, url: str, vetted: tuple[addresses.IPAddress, ...], secret: str, event_id: str, body: bytes
    ) -> int:
        # The wall clock, not the installation's: the receiver checks this timestamp against
        # its own real clock (as we check a request's), and a sandbox's test clock may be a
        # year ahead (docs/extensions.md, the sandbox).
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": f"reseller-api-webhooks/{__version__}",
            "webhook-id": event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.sign(secret, event_id, timestamp, body),
        }
        pin = {pinning.PINNED_ADDRESSES: vetted}
        with self._http.stream("POST", url, content=body, headers=headers, extensions=pin) as response:
            return response.status_code  # the body is not read: it is the receiver's business

    def _record(
        self,
        claimed: Claimed,
        code: int | None,
        latency: int,
        error: str | None,
        *,
        endpoint_enabled: bool,
        retry: bool,
    ) -> None:
        now = clock.time()
        attempts = claimed.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "response_code": code,
            "latency_ms": latency,
            "error": None if error is None else error[:2000],
            "last_attempt_at": now,
            "lease_until": None,
        }
        give_up = False
        if error is None:
            values["status"] = SUCCEEDED
        else:
            next_at = now + retry_delay(attempts)
            give_up = not retry or next_at > claimed.created_at + self.retry_window
            values.update(status=FAILED) if give_up else values.update(next_attempt_at=next_at)
        with self.db.transaction() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == claimed.id).values(**values))
            if give_up and endpoint_enabled:
                self._disable(conn, claimed, error or "", now)
        if error is None:
            log.info("webhook %s delivered to endpoint %s (%s)", claimed.event_id, claimed.endpoint_id, code)
        else:
            log.warning("webhook %s to endpoint %s: %s", claimed.event_id, claimed.endpoint_id, error)

    def _disable(self, conn: Connection, claimed: Claimed, error: str, now: float) -> None:
        reason = f"deliveries failed for {self.retry_window / 3600:g} hours (last: {error})"
        reseller_id = conn.execute(
            update(endpoints)
            .where(endpoints.c.id == claimed.endpoint_id, endpoints.c.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason[:2000], updated_at=now)
            .returning(endpoints.c.reseller_id)
        ).scalar()
        if reseller_id is None:
            return
        # Its other pending deliveries will not go out: say so in their log too.
        conn.execute(
            update(deliveries)
            .where(deliveries.c.endpoint_id == claimed.endpoint_id, deliveries.c.status == PENDING)
            .values(status=FAILED, error="the endpoint was disabled", lease_until=None)
        )
        conn.execute(
            insert(audit_log).values(
                created_at=now,
                reseller_id=reseller_id,
                actor_kind="system",
                actor="webhooks",
                action="disable webhook endpoint",
                detail=f"endpoint {claimed.endpoint_id}: {reason}"[:2000],
                address=None,
            )
        )
        log.warning("webhook endpoint %s disabled: %s", claimed.endpoint_id, reason)


def webhook_deliverer(settings: Settings, database: Database, box: SecretBox) -> Deliverer:
    """Sends the webhook outbox where jobs run (``serve`` with the embedded runner, ``worker``)."""
    return Deliverer(
        database,
        box,
        allow_private=settings.webhook_allow_private,
        retry_window=settings.webhook_retry_window,
    )
