"""What an operator asks of a deployment: can each piece be reached, does it all fit together.

``reseller-api check-config`` prints these before a deployment starts (settings, the
database, Redis, every configured backend's connection) and ``reseller-api status`` while it
runs (schema, secret key, job runners, the queue). Every check only reads: nothing is
migrated, created or recorded, so either command is safe to run at any time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from reseller_api import clock
from reseller_api.crypto import SecretBox, configured_keys, key_file_reader
from reseller_api.settings import Settings, SettingsError
from reseller_api.store.database import Database

# A due job that waited longer than this means no runner takes the jobs.
WAITING_TOO_LONG = 60.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def shown_url(url: str) -> str:
    """A database or Redis URL with its password masked."""
    return make_url(url).render_as_string(hide_password=True)


def open_database(settings: Settings) -> tuple[Check, Database | None]:
    """The database, if it answers; a SQLite file that does not exist yet is not created."""
    shown = shown_url(settings.database_url)
    if settings.is_sqlite:
        path = Path(settings.database_url.split(":///", 1)[1])
        if not path.exists():
            return Check("database", True, f"{shown}: not created yet (serve or migrate creates it)"), None
    database = Database(settings.database_url, pool_size=1)
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        database.dispose()
        return Check("database", False, f"{shown}: unavailable: {_first_line(exc.orig)}"), None
    return Check("database", True, f"{shown}: answers"), database


def schema(database: Database) -> Check:
    from reseller_api.resources import registry
    from reseller_api.store import migrate

    state = migrate.status(database)
    if not state.known:
        lacking = migrate.missing(database, registry.schema())
        detail = f"at {state.current}, newer than this release ({state.head})"
        return Check("schema", not lacking, detail + (f"; lacks {', '.join(lacking[:3])}" if lacking else ""))
    if state.pending:
        ids = ", ".join(r.id for r in state.pending)
        return Check(
            "schema", True, f"at {state.current or 'none'}; pending {ids} (run reseller-api migrate)"
        )
    lacking = migrate.missing(database, registry.schema())
    if lacking:
        return Check("schema", False, f"at {state.head} but lacks {', '.join(lacking[:3])}")
    return Check("schema", True, f"up to date ({state.head})")


def secret_key(settings: Settings, database: Database | None) -> Check:
    from reseller_api.credentials import keyring

    keys = configured_keys(settings)
    try:
        box = None if keys is None else SecretBox(*keys, reload=key_file_reader(settings))
    except SettingsError as exc:
        return Check("secret key", False, str(exc))
    where = "RESELLER_API_SECRET_KEY" if settings.secret_key else str(settings.secret_key_file)
    mine = "none yet" if box is None else f"{where}, fingerprint {', '.join(box.fingerprints)}"
    if database is None:
        return Check("secret key", True, mine)
    try:
        with database.engine.connect() as conn:
            found = keyring.database_key(conn, box)
    except SettingsError as exc:
        return Check("secret key", False, str(exc))
    except DBAPIError:
        return Check("secret key", True, f"{mine}; the database is not migrated yet")
    if found is None:
        return Check("secret key", True, f"{mine}; the database holds no secret yet")
    return Check("secret key", True, f"{mine}; the database's secrets are encrypted with {found}")


def redis(settings: Settings) -> Check | None:
    if settings.redis_url is None:
        return None
    import redis as redis_library

    client = redis_library.Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    shown = shown_url(settings.redis_url)
    try:
        client.ping()
    except redis_library.RedisError as exc:
        return Check("redis", False, f"{shown}: unavailable: {_first_line(exc)}")
    finally:
        client.close()
    return Check("redis", True, f"{shown}: answers")


def backends(settings: Settings) -> list[Check]:
    """Each real backend's connection (its ``probe``), and what it needs of this machine."""
    from reseller_api.backends import check_settings
    from reseller_api.backends.base import BackendRefused, BackendUnavailable

    checks = []
    try:
        check_settings(settings)
    except SettingsError as exc:
        checks.append(Check("web user", False, str(exc)))
    probes: list[tuple[str, str, Callable[[], str]]] = [
        ("dns", settings.dns_backend, lambda: _build("powerdns", settings).probe()),
        ("mysql", settings.mysql_backend, lambda: _build("mariadb", settings).probe()),
        ("web", settings.web_backend, lambda: _build("nginx", settings).probe()),
        ("mail", settings.mail_backend, lambda: _build("dovecot", settings).probe()),
    ]
    for kind, chosen, probe in probes:
        if chosen == "simulated":
            checks.append(Check(f"{kind} backend", True, "simulated (kept in our database)"))
            continue
        try:
            checks.append(Check(f"{kind} backend", True, f"{chosen}: {probe()}"))
        except (BackendRefused, BackendUnavailable, SettingsError, OSError) as exc:
            checks.append(Check(f"{kind} backend", False, f"{chosen}: {exc}"))
    checks.append(certificate_issuer(settings))
    if settings.acme_directory_url is not None:
        checks.append(_acme(settings.acme_directory_url))
    return checks


def certificate_issuer(settings: Settings) -> Check:
    """Who signs SSL certificate requests, and how an ACME CA's challenges are answered."""
    if settings.certificate_issuer != "acme":
        return Check("certificate issuer", True, "internal: the installation's own CA signs requests")
    detail = (
        f"acme: {settings.acme_directory_url}; HTTP-01 for names a hosting serves, "
        "DNS-01 for wildcards and other names in hosted zones"
    )
    if settings.dns_backend == "simulated":
        # Not a failure: HTTP-01 still works; but no CA can see a simulated zone's TXT records.
        detail += " (the DNS backend is simulated: no CA sees its DNS-01 records)"
    else:
        detail += f" (TXT records on {settings.dns_backend})"
    return Check("certificate issuer", True, detail)


class Probed(Protocol):
    def probe(self) -> str: ...


def _build(name: str, settings: Settings) -> Probed:
    """The real backend, built as the server builds it (imported only when chosen)."""
    if name == "powerdns":
        from reseller_api.backends.powerdns import PowerDnsBackend

        return PowerDnsBackend(settings)
    if name == "mariadb":
        from reseller_api.backends.mariadb import MariaDbBackend

        return MariaDbBackend(settings)
    if name == "nginx":
        from reseller_api.backends.nginx import NginxHosting

        return NginxHosting(settings)
    from reseller_api.backends.dovecot import DovecotMail

    return DovecotMail(settings)


def _acme(url: str) -> Check:
    try:
        with httpx.Client(timeout=10.0, trust_env=False, verify=False) as client:  # noqa: S501 - a reachability probe
            directory = client.get(url).json()
    except (httpx.HTTPError, ValueError) as exc:
        return Check("acme", False, f"{url}: unreachable: {type(exc).__name__}")
    if not isinstance(directory, dict) or "newNonce" not in directory:
        return Check("acme", False, f"{url}: not an ACME directory")
    return Check("acme", True, f"{url}: an ACME directory")


def runners(settings: Settings, database: Database) -> list[Check]:
    """Whether jobs are being taken: live procrastinate workers, and how long due jobs wait."""
    from reseller_api.health import live_runners
    from reseller_api.jobs import service as jobs

    checks = []
    live = live_runners(settings, database, None)
    runner = settings.job_runner
    if live is not None:
        checks.append(Check("job runners", live > 0, f"{runner}: {live} live worker(s)"))
    else:
        where = (
            "inside each `reseller-api serve`" if runner == "embedded" else "`reseller-api worker` processes"
        )
        checks.append(Check("job runners", True, f"{runner}: run {where} (seen only through the queue)"))
    counts = jobs.counts_by_status(database)
    waiting = jobs.waiting(database, clock.time())
    summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "none"
    late = waiting.oldest_seconds > WAITING_TOO_LONG
    detail = f"{summary}; {waiting.count} due and waiting for a runner"
    if waiting.count:
        detail += f", the oldest for {waiting.oldest_seconds:.0f} s"
    checks.append(Check("jobs", not late, detail))
    return checks


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
