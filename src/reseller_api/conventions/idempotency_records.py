"""The stored side of Idempotency-Key: claim a key, finish it with the response, release it.

A key is claimed in a transaction of its own before the request runs ("processing", with a
random owner token and a lease), so two processes can never both run the same key: the
table's primary key (api key, idempotency key) decides. The response is written by
:func:`finish` inside the request's own held transaction (store/database.py), conditional on
the claim still being ours, so the request's changes and its stored answer commit together
or not at all. Hence a claim still "processing" after its lease means its holder died
before committing anything, and the next request with the key runs it again.

A request that had to commit before its answer was known (it pushes its committed state
to a backend, store/database.py ``HeldCommit.flush``) marks its claim "committed" in that
commit. Should it die before storing its answer, a repeat cannot be answered with it, nor
run again: it gets 409 ``idempotency_key_outcome_unknown``.

A stored answer's body is encrypted with the installation's secret key (crypto.py), like the
API secrets: the answer to a create can hold a secret shown once (a webhook's signing
secret), and nothing secret is kept in clear. An answer the key can no longer decrypt (the
key was replaced, not rotated) cannot be replayed: 409 ``idempotency_key_outcome_unknown``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from reseller_api import errors
from reseller_api.crypto import SecretBox, SecretKeyMismatch
from reseller_api.store.database import Database
from reseller_api.store.tables import idempotency_keys as records

PROCESSING, COMMITTED, DONE = "processing", "committed", "done"
# How long a claim may run before another request with the key may take it over: longer
# than any request takes (the server's deadlines are seconds), short enough that a client
# retrying after a crash is not kept waiting long.
LEASE_SECONDS = 60.0
# Expired records are swept at most this often, by the claim that notices.
SWEEP_EVERY = 60.0

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Claimed:
    owner: str


@dataclass(frozen=True, slots=True)
class Stored:
    status: int
    headers: Headers
    body: bytes


@dataclass(frozen=True, slots=True)
class Refused:
    error: errors.ErrorCode


Claim = Claimed | Stored | Refused


class Records:
    def __init__(
        self, database: Database, box: SecretBox, *, ttl: float, lease: float = LEASE_SECONDS
    ) -> None:
        self.database = database
        self.box = box
        self.ttl = ttl
        self.lease = lease
        self._swept = 0.0

    def claim(self, api_key_id: int, key: str, fingerprint: str, now: float) -> Claim:
        """Claim ``key`` for this request, or say what the earlier request with it decides."""
        try:
            return self._claim(api_key_id, key, fingerprint, now)
        except IntegrityError:
            # PostgreSQL: another process inserted the same key between our read and our
            # insert (SQLite's BEGIN IMMEDIATE serialises the two). Its row decides now.
            return self._claim(api_key_id, key, fingerprint, now)

    def _claim(self, api_key_id: int, key: str, fingerprint: str, now: float) -> Claim:
        where = (records.c.api_key_id == api_key_id, records.c.idempotency_key == key)
        owner = secrets.token_hex(16)
        with self.database.transaction() as conn:
            if now - self._swept >= SWEEP_EVERY:
                self._swept = now
                conn.execute(delete(records).where(records.c.expires_at <= now))
            row = conn.execute(
                select(
                    records.c.fingerprint,
                    records.c.status,
                    records.c.owner,
                    records.c.lease_until,
                    records.c.response_status,
                    records.c.response_headers,
                    records.c.response_body,
                    records.c.expires_at,
                ).where(*where)
            ).first()
            if row is not None and row.expires_at <= now:
                conn.execute(delete(records).where(*where))
                row = None
            if row is None:
                conn.execute(
                    insert(records).values(
                        api_key_id=api_key_id,
                        idempotency_key=key,
                        fingerprint=fingerprint,
                        status=PROCESSING,
                        owner=owner,
                        lease_until=now + self.lease,
                        created_at=now,
                        expires_at=now + self.ttl,
                    )
                )
                return Claimed(owner)
            if row.fingerprint != fingerprint:
                return Refused(errors.IDEMPOTENCY_KEY_REUSED)
            if row.status == DONE:
                headers = [
                    (n.encode("latin-1"), v.encode("latin-1")) for n, v in json.loads(row.response_headers)
                ]
                try:
                    body = self.box.decrypt(bytes(row.response_body).decode("ascii")).encode("latin-1")
                except SecretKeyMismatch:
                    return Refused(errors.IDEMPOTENCY_KEY_OUTCOME_UNKNOWN)
                return Stored(int(row.response_status), headers, body)
            if row.lease_until > now:
                return Refused(errors.IDEMPOTENCY_KEY_IN_USE)
            if row.status == COMMITTED:
                return Refused(errors.IDEMPOTENCY_KEY_OUTCOME_UNKNOWN)
            # Processing past its lease: its holder died before committing (its changes
            # commit only with its record), so this request runs it again.
            taken = conn.execute(
                update(records)
                .where(*where, records.c.owner == row.owner)
                .values(owner=owner, lease_until=now + self.lease)
            )
            return Claimed(owner) if taken.rowcount == 1 else Refused(errors.IDEMPOTENCY_KEY_IN_USE)

    def finish(self, conn: Connection, api_key_id: int, key: str, owner: str, response: Stored) -> bool:
        """Store the response, in the request's own transaction; False if the claim was lost."""
        done = conn.execute(
            update(records)
            .where(
                records.c.api_key_id == api_key_id,
                records.c.idempotency_key == key,
                records.c.owner == owner,
                records.c.status.in_((PROCESSING, COMMITTED)),
            )
            .values(
                status=DONE,
                response_status=response.status,
                response_headers=json.dumps(
                    [[bytes(n).decode("latin-1"), bytes(v).decode("latin-1")] for n, v in response.headers]
                ),
                # latin-1 maps every byte to one character: any body survives the round trip.
                response_body=self.box.encrypt(response.body.decode("latin-1")).encode("ascii"),
            )
        )
        return done.rowcount == 1

    @staticmethod
    def mark_committed(conn: Connection, api_key_id: int, key: str, owner: str) -> None:
        """In the request's early commit: its changes are in, its answer is not yet known."""
        conn.execute(
            update(records)
            .where(
                records.c.api_key_id == api_key_id,
                records.c.idempotency_key == key,
                records.c.owner == owner,
            )
            .values(status=COMMITTED)
        )

    def release(self, api_key_id: int, key: str, owner: str) -> None:
        """Forget a claim whose request changed nothing and failed (a 5xx): a retry runs it again."""
        with self.database.transaction() as conn:
            conn.execute(
                delete(records).where(
                    records.c.api_key_id == api_key_id,
                    records.c.idempotency_key == key,
                    records.c.owner == owner,
                    records.c.status == PROCESSING,
                )
            )
