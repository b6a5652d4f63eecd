"""MySQL databases and users: ``/v2/mysqldatabases``, made by the ``mysql.*`` jobs."""

from __future__ import annotations

from reseller_api.errors import codes_of
from reseller_api.resources.assets import AssetRules
from reseller_api.resources.events import WriteEvents
from reseller_api.resources.manifest import AuditSentence, Controllers, Resource
from reseller_api.resources.mysqldatabases import jobs, names, passwords, service, tables, users


def controllers() -> Controllers:
    from reseller_api.resources.mysqldatabases.routes import MySqlDatabaseController

    return [MySqlDatabaseController]


RESOURCE = Resource(
    name="mysqldatabases",
    tables=tables.TABLES,
    controllers=controllers,
    jobs=(jobs.CREATE_DATABASE, jobs.CREATE_USER),
    # No provisioner: a pack's databases are ordered one by one, on the account's domain.
    asset_rules=(AssetRules("mysql", domain_bound=True, noun="MySQL database", plural="MySQL databases"),),
    errors=codes_of(service, names, passwords, users),
    audit=(
        AuditSentence("POST", "/v2/mysqldatabases", "Ordered MySQL database {subject}"),
        AuditSentence("DELETE", "/v2/mysqldatabases/{d}", "Deleted MySQL database {d}"),
        AuditSentence("POST", "/v2/mysqldatabases/{d}/users", "Ordered MySQL user {subject}"),
        AuditSentence("DELETE", "/v2/mysqldatabases/{d}/users/{s}", "Deleted MySQL user {s} of {d}"),
        AuditSentence(
            "PUT", "/v2/mysqldatabases/{d}/users/{s}/password", "Changed the password of MySQL user {s}"
        ),
        AuditSentence("PUT", "/v2/mysqldatabases/{d}/users/{s}/status", "Switched MySQL user {s}"),
    ),
    events=(WriteEvents("/v2/mysqldatabases", "mysql_database"),),
)
