"""What one resource package contributes, declared once in its ``manifest.py``.

Each package under ``resources/`` has a ``manifest.py`` holding one :class:`Resource`, and
``resources/registry.py`` lists them. The app, the worker, ``reseller-api backends sync``, the
error-code catalogue, account provisioning (resources/assets.py) and the schema check at start
(store/migrate.py) read that list: nothing
registers itself when imported, so what a process runs does not depend on what it imported.

A manifest imports no web framework: the worker reads the job handlers of every manifest and
never loads Litestar. The controllers are therefore behind a function, imported when the app
calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from reseller_api.errors import ErrorCode
from reseller_api.jobs.registry import JobEnded, JobHandler
from reseller_api.resources.assets import AssetProvisioner, AssetRules
from reseller_api.resources.events import WriteEvents

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler
    from sqlalchemy import Table

    from reseller_api.backends import Backends
    from reseller_api.resources.syncing import Synced
    from reseller_api.store.database import Database

# For the type checker only: at run time a manifest never imports Litestar.
Controllers: TypeAlias = "Sequence[ControllerRouterHandler]"


class SyncAll(Protocol):
    """A package's ``sync_all`` (resources/syncing.py): pushes what we record to its backend."""

    def __call__(
        self, database: Database, backends: Backends, *, dry_run: bool = False
    ) -> Iterator[Synced]: ...


@dataclass(frozen=True, slots=True)
class BackendSync:
    """What ``reseller-api backends sync`` pushes for a resource; ``kind`` is its ``--only`` name."""

    kind: str
    sync_all: SyncAll


@dataclass(frozen=True, slots=True)
class AuditSentence:
    """How the control panel's audit log says one API write of the resource ("Deleted alias {s}").

    ``path`` is the route's path, each ``{name}`` standing for one segment; ``sentence`` may use
    those names, ``{subject}`` (the subject of the job the write started) and ``{location}``
    (the last segment of the answer's Location).
    """

    method: str
    path: str
    sentence: str


def no_controllers() -> Controllers:
    return ()


@dataclass(frozen=True, slots=True)
class Resource:
    name: str  # the package's name under resources/
    # The tables it owns, defined in its tables.py on store/tables.py's metadata: listed here so
    # that the complete schema (registry.schema) is what the manifests say, not what was imported.
    tables: tuple[Table, ...] = ()
    # The Litestar controllers and route handlers, imported only when called (by the app).
    controllers: Callable[[], Controllers] = no_controllers
    # The job kinds the package runs, the JobHandler constants of its jobs.py.
    jobs: tuple[JobHandler[Any], ...] = ()
    # Called in the transaction that ends any job (the webhook outbox).
    job_ended: tuple[JobEnded, ...] = ()
    backend_sync: BackendSync | None = None
    # What it builds for an account whose servicepack has its asset (its account_asset.py).
    assets: tuple[AssetProvisioner, ...] = ()
    # What each servicepack asset it builds asks of an account's order (with or without a
    # provisioner: mysql databases are ordered one by one, yet bind the account to a domain).
    asset_rules: tuple[AssetRules, ...] = ()
    # The error codes its rules answer with (errors.codes_of its modules).
    errors: tuple[ErrorCode, ...] = ()
    # What the audit log says of each of its API writes (controlpanel/words.py).
    audit: tuple[AuditSentence, ...] = ()
    # The webhook events its synchronous API writes send, one per path segment it owns.
    events: tuple[WriteEvents, ...] = ()
