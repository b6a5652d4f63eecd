"""Linux hostings, their sites and host headers, SSH keys and scheduled tasks (resources/linuxhostings;
resources/ssh reads and writes the SSH keys of this package).

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.sql.expression import false, true

from reseller_api.store.tables import metadata

linux_hostings = Table(
    "linux_hostings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("ftp_username", String(64), nullable=False),
    Column("ftp_password_hash", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    # The hosting's settings (0003); server defaults, so the account job's insert needs none of them.
    Column("php_version", String(16), nullable=False, server_default="8.3"),
    Column("php_memory_limit", Integer, nullable=False, server_default="128"),
    Column("apcu_enabled", Boolean, nullable=False, server_default=false()),
    Column("apcu_size", Integer, nullable=False, server_default="32"),
    Column("gzip_enabled", Boolean, nullable=False, server_default=true()),
    Column("ftp_enabled", Boolean, nullable=False, server_default=true()),
    Column("ssh_enabled", Boolean, nullable=False, server_default=false()),
)

# Every site of a hosting; the main site (named as the hosting, at /www) is written the first
# time one of its settings changes, until then reads show its defaults.
linux_sites = Table(
    "linux_sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "hosting_id", Integer, ForeignKey("linux_hostings.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", String(253), nullable=False, unique=True),
    Column("path", String(255), nullable=False),
    Column("http2_enabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

# A host name served anywhere is served once: the unique name is what keeps a domain from
# being hosted twice. SSL settings are per host name, as the API's sslsettings/{hostname}.
linux_host_headers = Table(
    "linux_host_headers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("linux_sites.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(253), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False),
    Column("letsencrypt_enabled", Boolean, nullable=False),
    Column("auto_redirect_enabled", Boolean, nullable=False),
)

linux_ssh_keys = Table(
    "linux_ssh_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hosting_id", Integer, ForeignKey("linux_hostings.id", ondelete="CASCADE"), nullable=False),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False),  # SHA256:base64, as OpenSSH prints it
    Column("public_key", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("hosting_id", "fingerprint", name="uq_linux_ssh_keys_hosting_fingerprint"),
)

linux_scheduled_tasks = Table(
    "linux_scheduled_tasks",
    metadata,
    Column("id", String(36), primary_key=True),  # a UUID: the API's task ids are strings
    Column(
        "hosting_id", Integer, ForeignKey("linux_hostings.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("cron_expression", String(100), nullable=False),
    Column("script_location", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

TABLES = (linux_hostings, linux_sites, linux_host_headers, linux_ssh_keys, linux_scheduled_tasks)
