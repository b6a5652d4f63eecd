"""What each kind of job does. Each resource's manifest declares its handlers; the processes
that run jobs install them here (``resources.registry.install_jobs``) before the runner starts.

A handler has four steps, so that a job is never half-done:

- ``provision``: the side effects in the world (backends). Idempotent: a retried or
  resumed job runs it again and must converge, never duplicate.
- ``commit``: our own state, in the same transaction that marks the job finished;
  returns the links to the created resources.
- ``unprovision``: on failure, remove from the world what ``provision`` may have made
  (idempotent too).
- ``discard``: on failure, remove the pending rows the request created, in the
  transaction that marks the job failed.

World-side steps run outside our transactions: a backend may write to the database
itself (the simulated one does), and must never wait on a lock its own job holds.

Each kind names the msgspec Struct its payload is (``payload_type``): the runner decodes
the stored payload into it before any step runs (jobs/payloads.py), so the steps read
typed fields, never string keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from sqlalchemy import Connection

if TYPE_CHECKING:
    from reseller_api.backends import Backends

P = TypeVar("P", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True)
class JobContext:
    job_id: str
    reseller_id: int
    backends: Backends


@dataclass(frozen=True, slots=True)
class JobHandler(Generic[P]):
    kind: str
    payload_type: type[P]
    provision: Callable[[JobContext, P], None]
    commit: Callable[[Connection, JobContext, P], list[str]]
    unprovision: Callable[[JobContext, P], None]
    discard: Callable[[Connection, JobContext, P], None]
    # The words the control panel shows for a job of this kind ("New account").
    title: str = ""
    # The event its success tells of (the webhook outbox, resources/webhooks/events.py), if any.
    event: str | None = None


HANDLERS: dict[str, JobHandler[Any]] = {}


def handler_of(kind: str) -> JobHandler[Any] | None:
    """The installed handler of ``kind``; None for a kind this process does not run."""
    return HANDLERS.get(kind)


# Called in the transaction that ends a job: (conn, reseller id, job id, kind, status,
# links, error). The webhook outbox writes its events here (resources/webhooks/events.py,
# declared by the webhooks manifest).
JobEnded = Callable[[Connection, int, str, str, str, list[str], str], None]
ENDED: list[JobEnded] = []
