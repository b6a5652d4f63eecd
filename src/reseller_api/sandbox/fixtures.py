"""Fixture files: load (through the real services), reset (to just after the load), dump.

``load`` places every order as the API would (the same request Structs, the same services,
the same jobs, run at once by a runner of its own), so the state is exactly what the API
would have made, validation included. It adds to what the database holds. Then it keeps a
snapshot of every row; ``reset`` puts that snapshot back in one transaction (well under a
second: ``bench/sandbox_reset.py``), ids and sequences included, so a test suite can
reset between tests and see the same ids every time. Reset also clears the fault rules;
the clock and the job mode stay as they are.

``dump`` writes the current state in the same format. Passwords are stored hashed and are
never dumped (loading such a file gives each a random one); API secrets are written only
when asked (``reseller-api sandbox dump --secrets``, never over HTTP).

The format (``tests/data/sandbox.yaml`` is an example)::

    servicepacks:                  # created unless a pack of that name exists
      - {name: Sandbox, assets: ["linux_hosting=1:10240", "dns=1", "mailbox=5:2048"]}
    resellers:
      - name: acme
        keys: [{api_key: ..., api_secret: ..., allowed_ips: [127.0.0.1], rate_limit: 100/minute}]
        accounts: [{identifier: example.com, servicepack_id: 1, ftp_password: Secret123x}]
        domains: [{domain_name: example.net, name_servers: [...]}]
        dns_records: {example.com: [{type: TXT, record_name: "", content: v=spf1 -all}]}
        mailboxes: [{email_address: info@example.com, account: example.com, password: ...}]
        mysql_databases: [{database_name: shop, account: example.com, password: ...}]
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import string
import time
from collections.abc import Callable
from typing import Any

import msgspec
import yaml
from sqlalchemy import Table, delete, insert, select, text, update

from reseller_api.backends import Backends, build_backends
from reseller_api.context import AppContext
from reseller_api.credentials.service import CredentialsService, _bump_generation
from reseller_api.crypto import SecretBox
from reseller_api.errors import ApiProblem, ValidationFailed
from reseller_api.jobs import service as job_service
from reseller_api.jobs.runner import Runner
from reseller_api.resources import registry
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.resources.domains.tables import domains
from reseller_api.resources.mailzones.tables import mailboxes
from reseller_api.resources.mysqldatabases.tables import mysql_databases
from reseller_api.resources.servicepacks.tables import servicepack_assets, servicepacks
from reseller_api.sandbox import SandboxError
from reseller_api.sandbox.faults import job_kinds
from reseller_api.sandbox.state import ROW_ID, change, ensure
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import (
    accounts,
    api_key_networks,
    api_keys,
    credentials_generation,
    resellers,
    sandbox_faults,
    sandbox_state,
)

# Not the fixture's state: the schema's bookkeeping, the secret key's fingerprint and the
# installation's CA (issued certificates must keep their issuer), the sandbox itself, and
# the credentials generation (bumped instead, so every key cache reloads).
KEPT = frozenset(
    {"secret_key", "certificate_authority", "sandbox_state", "sandbox_faults", "credentials_generation"}
)
TOP_LEVEL = ("servicepacks", "resellers")
JOB_WAIT = 60.0  # seconds a job another runner took may take before the load gives up
RESELLER_FIELDS = ("name", "keys", "accounts", "domains", "dns_records", "mailboxes", "mysql_databases")


def _tables() -> list[Table]:
    # Every table, the resources' included: a reset leaves no row of a package behind.
    return [t for t in registry.schema().sorted_tables if t.name not in KEPT]


class Fixtures:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        box: SecretBox,
        backends: Backends | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.box = box
        self.backends = backends or build_backends(settings, database)
        self.on_change = on_change  # a server's: drop caches, look for due jobs
        job_kinds()  # every job handler registered: the load runs the jobs itself

    # -- load ------------------------------------------------------------------------

    def load_text(self, source: str) -> dict[str, Any]:
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise SandboxError(f"not a YAML or JSON fixture file: {exc}") from None
        return self.load(data, source)

    def load(self, data: Any, source: str | None = None) -> dict[str, Any]:
        """Create everything the file describes; a summary of what was made.

        All or nothing: the services commit entry by entry, so a refusal part-way puts every
        table back as it was before the load (the snapshot taken first), as ``reset`` does.
        """
        _check_shape(data)
        ensure(self.database)
        before = json.loads(self._snapshot())["tables"]
        try:
            made = self._load(data)
        except BaseException:
            with self.database.transaction() as conn:
                self._restore(conn, before)
            self._changed()
            raise
        change(
            self.database,
            fixture=source if source is not None else yaml.safe_dump(data),
            snapshot=self._snapshot(),
        )
        self._changed()
        return {"loaded": made}

    def _load(self, data: Any) -> dict[str, int]:
        # Imported here, as the services below are: only loading a fixture needs them.
        from reseller_api.resources.webhooks.events import EventCatalogue

        runner = Runner(self.database, self.backends)
        webhook_events = EventCatalogue(registry.webhook_events()).types
        context = AppContext(self.settings, self.database, self.box, self.backends, runner, webhook_events)
        made = {"servicepacks": 0, "resellers": 0, "keys": 0, "accounts": 0, "domains": 0}
        made.update(dns_records=0, mailboxes=0, mysql_databases=0)
        for i, pack in enumerate(data.get("servicepacks") or []):
            made["servicepacks"] += _at(f"servicepacks[{i}]", functools.partial(self._servicepack, pack))
        for i, reseller in enumerate(data.get("resellers") or []):
            where = f"resellers[{i}]"
            _at(where, functools.partial(self._reseller, reseller))
            made["resellers"] += 1
            reseller_id = self._reseller_id(reseller["name"])
            for j, key in enumerate(reseller.get("keys") or []):
                _at(f"{where}.keys[{j}]", functools.partial(self._key, reseller["name"], key))
                made["keys"] += 1
            for kind, place in (
                ("accounts", self._account),
                ("domains", self._domain),
                ("mailboxes", self._mailbox),
                ("mysql_databases", self._mysqldatabases),
            ):
                if kind == "mailboxes":  # records come before mailboxes, after the zones exist
                    made["dns_records"] += self._records(context, reseller_id, reseller, where)
                for j, item in enumerate(reseller.get(kind) or []):
                    job_id = _at(f"{where}.{kind}[{j}]", functools.partial(place, context, reseller_id, item))
                    if job_id:
                        _at(f"{where}.{kind}[{j}]", functools.partial(self._run, runner, reseller_id, job_id))
                    made[kind] += 1
        return made

    def _servicepack(self, pack: dict[str, Any]) -> int:
        from reseller_api.resources.servicepacks import service as packs

        name = _text(pack, "name")
        assets = [packs.parse_asset(str(spec)) for spec in _list(pack, "assets")]
        with self.database.engine.connect() as conn:
            if conn.execute(select(servicepacks.c.id).where(servicepacks.c.name == name)).first():
                return 0
        packs.create(self.database, name, assets)
        return 1

    def _reseller(self, reseller: dict[str, Any]) -> None:
        service = CredentialsService(self.database, self.box)
        name = _text(reseller, "name")
        if service.reseller_id_of(self.database, name) is None:
            service.create_reseller(name)

    def _reseller_id(self, name: str) -> int:
        found = CredentialsService.reseller_id_of(self.database, name)
        assert found is not None
        return found

    def _key(self, reseller: str, key: dict[str, Any]) -> None:
        CredentialsService(self.database, self.box).create_key(
            reseller,
            [str(n) for n in key.get("allowed_ips", ["127.0.0.1", "::1"])],
            key.get("rate_limit"),
            name=str(key.get("name") or ""),
            api_key=_optional_text(key, "api_key"),
            api_secret=_optional_text(key, "api_secret"),
        )

    def _account(self, context: AppContext, reseller_id: int, item: dict[str, Any]) -> str:
        from reseller_api.resources.accounts import service
        from reseller_api.wire.accounts import CreateAccount

        order = _convert({"ftp_password": _password(), **item}, CreateAccount)
        return service.create_account(context, reseller_id, order)

    def _domain(self, context: AppContext, reseller_id: int, item: dict[str, Any]) -> str:
        from reseller_api.resources.domains import service
        from reseller_api.wire.domains import RegisterDomain, TransferDomain

        if item.get("auth_code"):
            return service.transfer(context, reseller_id, _convert(item, TransferDomain))
        return service.register(context, reseller_id, _convert(item, RegisterDomain))

    def _account_id(self, reseller_id: int, item: dict[str, Any]) -> int:
        if isinstance(item.get("account_id"), int):
            return int(item["account_id"])
        identifier = _text(item, "account")
        with self.database.engine.connect() as conn:
            found = conn.execute(
                select(accounts.c.id).where(
                    accounts.c.reseller_id == reseller_id, accounts.c.identifier == identifier
                )
            ).scalar()
        if found is None:
            raise SandboxError(f"account: no account {identifier!r} in this reseller's part of the file")
        return int(found)

    def _mailbox(self, context: AppContext, reseller_id: int, item: dict[str, Any]) -> None:
        from reseller_api.resources.mailboxes import service

        service.create_mailbox(
            context,
            reseller_id,
            email=_text(item, "email_address"),
            account_id=self._account_id(reseller_id, item),
            password=_optional_text(item, "password") or _password(),
        )

    def _mysqldatabases(self, context: AppContext, reseller_id: int, item: dict[str, Any]) -> str:
        from reseller_api.resources.mysqldatabases import service
        from reseller_api.wire.mysqldatabases import CreateMySqlDatabase

        order = {
            "database_name": item.get("database_name"),
            "account_id": self._account_id(reseller_id, item),
            "password": item.get("password") or _password(),
        }
        return service.create_database(context, reseller_id, _convert(order, CreateMySqlDatabase))

    def _records(self, context: AppContext, reseller_id: int, reseller: dict[str, Any], where: str) -> int:
        from reseller_api.resources.dns import service
        from reseller_api.wire.dns import DnsRecordInput

        count = 0
        for zone_name, records in (reseller.get("dns_records") or {}).items():
            for j, record in enumerate(records or []):
                body = _convert(record, DnsRecordInput)
                try:
                    _at(
                        f"{where}.dns_records.{zone_name}[{j}]",
                        functools.partial(service.create_record, context, reseller_id, zone_name, body),
                        keep=(ApiProblem,),
                    )
                except ApiProblem as problem:
                    # The zone already has it (a default record, or a dump loaded again).
                    if problem.error.code != service.DUPLICATE.code:
                        raise SandboxError(f"{where}.dns_records.{zone_name}[{j}]: {problem.text}") from None
                    continue
                count += 1
        return count

    def _run(self, runner: Runner, reseller_id: int, job_id: str) -> None:
        """The order's job, now (no job delay), by the same steps the runner always takes.

        A server's runner may claim it first (a load over HTTP, jobs in ``instant`` mode): then
        this waits for that run to end, as a client would.
        """
        deadline = time.monotonic() + JOB_WAIT
        while True:
            runner.run_one(job_id)
            job = job_service.get(self.database, reseller_id, job_id)
            if job is None or job.status != job_service.ONGOING or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if job is None or job.status != job_service.FINISHED:
            reason = job.error if job is not None else "the job vanished"
            raise SandboxError(f"its job did not finish ({job.status if job else 'missing'}): {reason}")

    # -- reset -----------------------------------------------------------------------

    def _snapshot(self) -> str:
        tables: dict[str, Any] = {}
        with self.database.engine.connect() as conn:
            for table in _tables():
                rows = conn.execute(select(table)).all()
                tables[table.name] = [[_encode(v) for v in row] for row in rows]
        return json.dumps({"version": 1, "tables": tables}, separators=(",", ":"))

    def reset(self) -> dict[str, Any]:
        """Every table back to the snapshot the last load took; fault rules cleared."""
        with self.database.engine.connect() as conn:
            raw = conn.execute(select(sandbox_state.c.snapshot).where(sandbox_state.c.id == ROW_ID)).scalar()
        if raw is None:
            raise SandboxError("no fixture was loaded: reseller-api sandbox load FILE first")
        with self.database.transaction() as conn:
            self._restore(conn, json.loads(raw)["tables"])
            conn.execute(delete(sandbox_faults))
            _bump_generation(conn)
            conn.execute(
                update(sandbox_state)
                .where(sandbox_state.c.id == ROW_ID)
                .values(version=sandbox_state.c.version + 1)
            )
        self._changed()
        return {"reset": True}

    def _restore(self, conn: Any, snapshot: dict[str, Any]) -> None:
        """Every table's rows as ``snapshot`` holds them, and the ids that followed them."""
        tables = _tables()
        for table in reversed(tables):
            conn.execute(delete(table))
        for table in tables:
            rows = snapshot.get(table.name) or []
            if rows:
                names = [c.name for c in table.columns]
                values = [dict(zip(names, map(_decode, row), strict=True)) for row in rows]
                conn.execute(insert(table), values)
        self._restart_sequences(conn, tables)

    def _restart_sequences(self, conn: Any, tables: list[Table]) -> None:
        """The next ids are those that followed the load: the same ids in every run of a test."""
        for table in tables:
            pk = list(table.primary_key.columns)
            if (
                len(pk) != 1
                or not isinstance(pk[0].type, type(accounts.c.id.type))
                or not pk[0].autoincrement
            ):
                continue
            name, column = table.name, pk[0].name  # our own metadata, not input
            # Our own metadata's names, not input.
            highest = f"(SELECT COALESCE(MAX({column}), 0) FROM {name})"  # noqa: S608
            if self.database.is_sqlite:
                sql = f"UPDATE sqlite_sequence SET seq = {highest} WHERE name = :t"  # noqa: S608
                conn.execute(text(sql), {"t": name})
            else:
                serial = f"pg_get_serial_sequence('{name}', '{column}')"
                conn.execute(text(f"SELECT setval({serial}, {highest} + 1, false)"))

    # -- dump ------------------------------------------------------------------------

    def dump(self, *, with_secrets: bool = False) -> dict[str, Any]:
        from reseller_api.resources.mysqldatabases.names import prefix

        with self.database.engine.connect() as conn:
            packs = []
            for pack_id, name in conn.execute(
                select(servicepacks.c.id, servicepacks.c.name).order_by(servicepacks.c.id)
            ):
                assets = conn.execute(
                    select(
                        servicepack_assets.c.asset_type,
                        servicepack_assets.c.count,
                        servicepack_assets.c.max_size_mb,
                    )
                    .where(servicepack_assets.c.servicepack_id == pack_id)
                    .order_by(servicepack_assets.c.asset_type)
                ).all()
                packs.append(
                    {
                        "name": name,
                        "assets": [f"{t}={n}" + (f":{m}" if m is not None else "") for t, n, m in assets],
                    }
                )
            out: list[dict[str, Any]] = []
            for reseller_id, reseller_name in conn.execute(
                select(resellers.c.id, resellers.c.name).order_by(resellers.c.id)
            ):
                entry: dict[str, Any] = {"name": reseller_name}
                keys = []
                for key_id, key, secret, rate_limit, name in conn.execute(
                    select(
                        api_keys.c.id,
                        api_keys.c.key,
                        api_keys.c.secret_encrypted,
                        api_keys.c.rate_limit,
                        api_keys.c.name,
                    )
                    .where(api_keys.c.reseller_id == reseller_id, api_keys.c.revoked.is_(False))
                    .order_by(api_keys.c.id)
                ):
                    networks = (
                        conn.execute(
                            select(api_key_networks.c.cidr)
                            .where(api_key_networks.c.api_key_id == key_id)
                            .order_by(api_key_networks.c.id)
                        )
                        .scalars()
                        .all()
                    )
                    item: dict[str, Any] = {"api_key": key}
                    if with_secrets:
                        item["api_secret"] = self.box.decrypt(secret)
                    item["allowed_ips"] = [_address(n) for n in networks]
                    if rate_limit:
                        item["rate_limit"] = rate_limit
                    if name:
                        item["name"] = name
                    keys.append(item)
                if keys:
                    entry["keys"] = keys
                account_rows = conn.execute(
                    select(accounts.c.id, accounts.c.identifier, accounts.c.servicepack_id)
                    .where(accounts.c.reseller_id == reseller_id)
                    .order_by(accounts.c.id)
                ).all()
                identifiers = {int(i): ident for i, ident, _ in account_rows}
                if account_rows:
                    entry["accounts"] = [
                        {"identifier": ident, "servicepack_id": pack} for _, ident, pack in account_rows
                    ]
                own_domains = [
                    {"domain_name": d}
                    for d in conn.execute(
                        select(domains.c.domain_name)
                        .where(domains.c.reseller_id == reseller_id)
                        .order_by(domains.c.id)
                    ).scalars()
                    if d not in identifiers.values()
                ]
                if own_domains:
                    entry["domains"] = own_domains
                records: dict[str, list[dict[str, Any]]] = {}
                for zone_id, zone_name in conn.execute(
                    select(dns_zones.c.id, dns_zones.c.domain_name)
                    .where(dns_zones.c.reseller_id == reseller_id)
                    .order_by(dns_zones.c.id)
                ):
                    rows = conn.execute(
                        select(
                            dns_records.c.type,
                            dns_records.c.name,
                            dns_records.c.ttl,
                            dns_records.c.content,
                            dns_records.c.priority,
                            dns_records.c.service,
                            dns_records.c.protocol,
                            dns_records.c.target,
                            dns_records.c.port,
                            dns_records.c.weight,
                        )
                        .where(dns_records.c.zone_id == zone_id, dns_records.c.type != "SOA")
                        .order_by(dns_records.c.position)
                    ).all()
                    if rows:
                        records[zone_name] = [_record(row) for row in rows]
                if records:
                    entry["dns_records"] = records
                boxes = conn.execute(
                    select(mailboxes.c.name, mailboxes.c.account_id)
                    .where(mailboxes.c.account_id.in_(list(identifiers) or [-1]))
                    .order_by(mailboxes.c.id)
                ).all()
                if boxes:
                    entry["mailboxes"] = [
                        {"email_address": n, "account": identifiers[int(a)]} for n, a in boxes
                    ]
                dbs = conn.execute(
                    select(mysql_databases.c.name, mysql_databases.c.account_id)
                    .where(mysql_databases.c.reseller_id == reseller_id, mysql_databases.c.status == "active")
                    .order_by(mysql_databases.c.id)
                ).all()
                if dbs:
                    entry["mysql_databases"] = [
                        {"database_name": n.removeprefix(prefix(int(a))), "account": identifiers[int(a)]}
                        for n, a in dbs
                    ]
                out.append(entry)
        return {"servicepacks": packs, "resellers": out}

    def dump_text(self, *, with_secrets: bool = False) -> str:
        return yaml.safe_dump(self.dump(with_secrets=with_secrets), sort_keys=False, allow_unicode=True)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


# -- helpers ------------------------------------------------------------------------


def _check_shape(data: Any) -> None:
    """The file's shape, before anything is created: a typo changes nothing."""
    if not isinstance(data, dict):
        raise SandboxError("a fixture file is a mapping with servicepacks and resellers")
    unknown = sorted(set(data) - set(TOP_LEVEL))
    if unknown:
        raise SandboxError(
            f"unknown top-level entries: {', '.join(map(str, unknown))} (expected {', '.join(TOP_LEVEL)})"
        )
    for name in TOP_LEVEL:
        if data.get(name) is not None and not isinstance(data[name], list):
            raise SandboxError(f"{name}: a list")
    for i, pack in enumerate(data.get("servicepacks") or []):
        if (
            not isinstance(pack, dict)
            or not isinstance(pack.get("name"), str)
            or not isinstance(pack.get("assets"), list)
        ):
            raise SandboxError(f"servicepacks[{i}]: a mapping with a name and a list of assets")
    for i, reseller in enumerate(data.get("resellers") or []):
        if not isinstance(reseller, dict) or not isinstance(reseller.get("name"), str):
            raise SandboxError(f"resellers[{i}]: a mapping with a name")
        unknown = sorted(set(reseller) - set(RESELLER_FIELDS))
        if unknown:
            raise SandboxError(f"resellers[{i}]: unknown entries: {', '.join(map(str, unknown))}")
        for kind in RESELLER_FIELDS[1:]:
            value = reseller.get(kind)
            expected = dict if kind == "dns_records" else list
            if value is not None and not isinstance(value, expected):
                raise SandboxError(
                    f"resellers[{i}].{kind}: a {'mapping of zone to records' if expected is dict else 'list'}"
                )
            items = list(value.values()) if isinstance(value, dict) else (value or [])
            for item in items:
                inner = item if kind == "dns_records" else [item]
                if not isinstance(inner, list) or not all(isinstance(x, dict) for x in inner):
                    raise SandboxError(f"resellers[{i}].{kind}: each entry a mapping")


def _at(where: str, step: Callable[[], Any], keep: tuple[type[Exception], ...] = ()) -> Any:
    """Run one step of the load; a refusal names the entry of the file it came from."""
    try:
        return step()
    except keep:
        raise
    except SandboxError as exc:
        raise SandboxError(f"{where}: {exc}") from None
    except ValidationFailed as exc:
        texts = "; ".join(f"{p.error_code}: {p.error_text}" for p in exc.problems)
        raise SandboxError(f"{where}: {texts}") from None
    except ApiProblem as exc:
        raise SandboxError(f"{where}: {exc.error.code}: {exc.text}") from None


def _convert(item: dict[str, Any], kind: type[Any]) -> Any:
    try:
        return msgspec.convert(item, kind, strict=True)
    except msgspec.ValidationError as exc:
        raise SandboxError(str(exc)) from None


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise SandboxError(f"{name}: required, a string")
    return value


def _optional_text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SandboxError(f"{name}: a string")
    return value


def _list(item: dict[str, Any], name: str) -> list[Any]:
    value = item.get(name)
    if not isinstance(value, list):
        raise SandboxError(f"{name}: a list")
    return value


def _password() -> str:
    """For an entry without one (a dump has none): random, never shown, within the API's rules."""
    letters = "".join(secrets.choice(string.ascii_letters) for _ in range(8))
    return letters + "".join(secrets.choice(string.digits) for _ in range(8))


def _address(cidr: str) -> str:
    """A single address as one, a network as CIDR (what ``allowed_ips`` takes back)."""
    return cidr.removesuffix("/32").removesuffix("/128")


def _record(row: Any) -> dict[str, Any]:
    """A stored record as the body that creates it (the API's own rendering of it, then input)."""
    from reseller_api.resources.dns.records import Record

    rtype, name, ttl, content, priority, service, protocol, target, port, weight = row
    shown = Record(rtype, name, ttl, content, "", priority, service, protocol, target, port, weight).wire("")
    if rtype == "SRV":
        base = shown.record_name
        prefix = f"{shown.service}.{shown.protocol}"
        base = "" if base == prefix else base.removeprefix(prefix + ".")
        return {
            "type": rtype,
            "record_name": base,
            "ttl": ttl,
            "service": shown.service,
            "protocol": shown.protocol,
            "priority": priority,
            "port": port,
            "weight": weight,
            "target": target,
        }
    entry: dict[str, Any] = {
        "type": rtype,
        "record_name": shown.record_name,
        "ttl": ttl,
        "content": shown.content,
    }
    if priority is not None and rtype == "MX":
        entry["priority"] = priority
    return entry


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    return value


__all__ = ["Fixtures", "credentials_generation"]
