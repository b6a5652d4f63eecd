"""The schema, as SQLAlchemy Core tables. Times are unix seconds (float), UTC by definition.

Migrations under ``migrations/versions`` create exactly this; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false, true

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

resellers = Table(
    "resellers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False, index=True),
    Column("key", String(64), nullable=False, unique=True),
    # Fernet token of the secret: needed in clear to verify HMACs, so encrypted at rest.
    Column("secret_encrypted", Text, nullable=False),
    Column("rate_limit", String(32), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
    # What people call the key ("billing"), a note, and where it was last used from (0009).
    Column("name", String(64), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("last_used_address", String(64), nullable=True),
)

api_key_networks = Table(
    "api_key_networks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("cidr", String(64), nullable=False),
    UniqueConstraint("api_key_id", "cidr", name="uq_api_key_networks_key_cidr"),
)

# One row, bumped by every change to keys or whitelists, so every API process drops its
# in-memory credential cache at once, even when the change came from another process.
credentials_generation = Table(
    "credentials_generation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", Integer, nullable=False),
)

# One row: the fingerprint of the key the API secrets are encrypted with (never the key), so a
# process started with another key refuses to start instead of failing every request (0010).
secret_key = Table(
    "secret_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("recorded_at", Float, nullable=False),
)

servicepacks = Table(
    "servicepacks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

servicepack_assets = Table(
    "servicepack_assets",
    metadata,
    Column("servicepack_id", Integer, ForeignKey("servicepacks.id"), primary_key=True),
    Column("asset_type", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("max_size_mb", Integer, nullable=True),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("identifier", String(253), nullable=False, unique=True),
    Column("servicepack_id", Integer, ForeignKey("servicepacks.id"), nullable=False),
    # provisioning -> active; a failed provisioning deletes the row (nothing half-made).
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_accounts_reseller_status_id", "reseller_id", "status", "id"),
)

provisioning_jobs = Table(
    "provisioning_jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("kind", String(64), nullable=False),
    # JSON; never holds a clear-text password (only hashes), cleared when the job ends.
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("not_before", Float, nullable=False),
    Column("estimate", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("resource_links", Text, nullable=True),
    Column("error", Text, nullable=True),
    # What the job is about, for people (a domain, a database): kept when the payload is dropped (0009).
    Column("subject", String(253), nullable=True),
    Index("ix_provisioning_jobs_status_not_before", "status", "not_before"),
)

# Assets an account's servicepack brings; the later resource packages expose them.
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

dns_zones = Table(
    "dns_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

mail_zones = Table(
    "mail_zones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

# What the simulated backends have "built": one row per object, upserted, so a retried
# job step leaves exactly one. Tests read it to prove nothing was provisioned twice.
simulated_objects = Table(
    "simulated_objects",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("name", String(253), primary_key=True),
    Column("data", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

# -- control panel (reseller users, their sessions, the audit log) -----------------------

panel_users = Table(
    "panel_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False, index=True),
    Column("email", String(254), nullable=False, unique=True),
    # argon2id PHC string; NULL until the user follows the one-time set-password link.
    Column("password_hash", Text, nullable=True),
    # SHA-256 of the one-time set-password token (the token itself is only ever printed).
    Column("password_token_hash", String(64), nullable=True, unique=True),
    Column("password_token_expires_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
)

# Server-side sessions: the cookie carries a random token, the row only its SHA-256, so a
# leaked database cannot be replayed as sessions.
panel_sessions = Table(
    "panel_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("panel_users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# A form submitted once: its one-time token's SHA-256 and where its result is, so a form sent
# again (a reload, the back button) answers "already done" instead of acting twice (0009).
panel_submitted_forms = Table(
    "panel_submitted_forms",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "session_id",
        String(64),
        ForeignKey("panel_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("done_path", String(300), nullable=False),
    Column("created_at", Float, nullable=False),
)

# A new secret may be shown once, to the session that created or rotated it: the row says
# so, and is deleted by the page that shows the secret (decrypted from api_keys) (0009).
panel_secret_views = Table(
    "panel_secret_views",
    metadata,
    Column("session_id", String(64), ForeignKey("panel_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("rotated", Boolean, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Who did what, when and from where: every change through the panel or the API. Never a secret.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=True),
    Column("actor_kind", String(16), nullable=False),  # user | api_key | operator
    Column("actor", String(254), nullable=False),
    Column("action", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("address", String(64), nullable=True),
    Index("ix_audit_log_reseller_id_id", "reseller_id", "id"),
)

# -- mailboxes, mail zone settings, MySQL databases (0004) -----------------------------

mailboxes = Table(
    "mailboxes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(254), nullable=False, unique=True),  # the address, lowercase
    # argon2id PHC string (Dovecot {ARGON2ID}); never the password itself.
    Column("password_hash", Text, nullable=False),
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    Column("auto_reply_enabled", Boolean, nullable=False),
    Column("auto_reply_subject", Text, nullable=False),
    Column("auto_reply_message", Text, nullable=False),
    Column("auto_forward_enabled", Boolean, nullable=False),
    Column("auto_forward_addresses", Text, nullable=False),  # JSON list
    Column("auto_forward_copy", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

mail_zone_settings = Table(
    "mail_zone_settings",
    metadata,
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), primary_key=True),
    Column("anti_spam", String(16), nullable=False),
)

mail_aliases = Table(
    "mail_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("email_address", String(254), nullable=False, unique=True),
    Column("destinations", Text, nullable=False),  # JSON list
    Column("created_at", Float, nullable=False),
)

mail_catch_alls = Table(
    "mail_catch_alls",
    metadata,
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), primary_key=True),
    Column("email_address", String(254), primary_key=True),
)

mail_smtp_domains = Table(
    "mail_smtp_domains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mail_zone_id", Integer, ForeignKey("mail_zones.id"), nullable=False, index=True),
    Column("hostname", String(253), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False),
)

mysql_databases = Table(
    "mysql_databases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False, unique=True),  # the provisioned, prefixed name
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    # provisioning -> active; a failed provisioning deletes the row.
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_mysql_databases_reseller_status_id", "reseller_id", "status", "id"),
)

# No password column: the server keeps the hash; a job carries it and drops it.
mysql_users = Table(
    "mysql_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("database_id", Integer, ForeignKey("mysql_databases.id"), nullable=False, index=True),
    Column("name", String(32), nullable=False, unique=True),  # MariaDB user names are server-wide
    Column("rights", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)

# -- Linux hostings: sites and host headers, SSH keys, scheduled tasks (0003) ------------

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

# -- DNS records and domains (resources/dns, resources/domains; migration 0002) -----------

# One row per resource record, the zone's SOA and apex NS included (resources/dns/zone.py).
# ``position`` is dense per zone (1..n, insertion order, kept
# dense on delete) so a page is an index range scan ``position > skip LIMIT take``: the last
# page of a 100,000-record zone costs what the first does (SQL OFFSET would be O(skip)).
dns_records = Table(
    "dns_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("zone_id", Integer, ForeignKey("dns_zones.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", String(8), nullable=False),
    # Owner relative to the zone, lowercase A-labels; "@" is the apex; SRV: "_service._proto".
    Column("name", String(253), nullable=False),
    Column("ttl", Integer, nullable=False),
    # What the API shows as ``content`` (TXT: the text itself, not its quoted strings).
    Column("content", Text, nullable=False),
    # The rdata in zone-file presentation form, as dnspython writes it: identity and backend input.
    Column("rdata", Text, nullable=False),
    Column("priority", Integer, nullable=True),
    Column("service", String(64), nullable=True),
    Column("protocol", String(8), nullable=True),
    Column("target", String(253), nullable=True),
    Column("port", Integer, nullable=True),
    Column("weight", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Index("ix_dns_records_zone_position", "zone_id", "position"),
    Index("ix_dns_records_zone_type_name_position", "zone_id", "type", "name", "position"),
    Index("ix_dns_records_zone_name", "zone_id", "name"),
    # Ids are never reused, not even the highest after a delete (a stale id must not reach
    # another record): SQLite's AUTOINCREMENT; PostgreSQL's sequences never go back anyway.
    sqlite_autoincrement=True,
)

# Registered or transferred-in domains. A row exists from the order on (status
# "registering"/"transferring", invisible) and becomes "active" when its job finishes.
domains = Table(
    "domains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("name_servers", Text, nullable=False),  # JSON list of host names
    Column("expiration_date", Float, nullable=True),
    Column("will_renew", Boolean, nullable=False),
    Column("registrant", Text, nullable=True),  # JSON Registrant, when the order gave one
    Column("created_at", Float, nullable=False),
    Index("ix_domains_reseller_status_name", "reseller_id", "status", "domain_name"),
)

# Issue 15: SSL certificate requests, the certificates issued for them, the installation's own
# certificate authority, and Windows hostings.

# A CSR ordered through the API. ``status``: pending (waiting for its validations or, OV/EV, for
# an operator), issuing (its job runs), issued, failed (the job's reason on the job), rejected.
ssl_certificate_requests = Table(
    "ssl_certificate_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("order_code", String(32), nullable=False, unique=True),
    Column("common_name", String(253), nullable=False),
    Column("certificate_type", String(16), nullable=False),
    Column("validation_level", String(32), nullable=False),
    Column("csr_pem", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("job_id", String(36), nullable=True),
    Column("rejection_reason", Text, nullable=True),
    # OV/EV: the organisation's details as ordered (JSON), and when an operator approved them.
    Column("validation_attributes", Text, nullable=True),
    Column("approved_at", Float, nullable=True),
    Column("certificate_id", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    # ACME issuer: the full chain (PEM, public) the CA returned in the job's provision step,
    # until its commit records it; a job retried after a crash between the two reuses it.
    Column("ordered_chain_pem", Text, nullable=True),
    Index("ix_ssl_certificate_requests_reseller_id_id", "reseller_id", "id"),
    sqlite_autoincrement=True,
)

# One row per DNS name of a request: how it was (or will be) validated.
ssl_certificate_validations = Table(
    "ssl_certificate_validations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "request_id",
        Integer,
        # Named: the conventional name is longer than PostgreSQL's 63 characters.
        ForeignKey("ssl_certificate_requests.id", ondelete="CASCADE", name="fk_ssl_validations_request_id"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),
    Column("dns_name", String(253), nullable=False),
    Column("auto_validated", Boolean, nullable=False),
    # "dns", "file" once a check passed (or "dns" for a name in a zone we host); None until then.
    Column("validated_by", String(8), nullable=True),
    Column("checked_at", Float, nullable=True),
)

ssl_certificates = Table(
    "ssl_certificates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("request_id", Integer, ForeignKey("ssl_certificate_requests.id"), nullable=True),
    Column("sha1_fingerprint", String(40), nullable=False, unique=True),
    Column("common_name", String(253), nullable=False),
    Column("certificate_type", String(16), nullable=False),
    Column("validation_level", String(32), nullable=False),
    Column("subject_alt_names", Text, nullable=False),  # JSON [{"type", "value"}]
    Column("certificate_pem", Text, nullable=False),  # the leaf
    Column("chain_pem", Text, nullable=False),  # the issuers, leaf excluded
    Column("expires_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_ssl_certificates_reseller_id_id", "reseller_id", "id"),
)

# The installation's own CA (one row): its key as a Fernet token, like the API secrets.
certificate_authority = Table(
    "certificate_authority",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_encrypted", Text, nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

windows_hostings = Table(
    "windows_hostings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, unique=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("domain_name", String(253), nullable=False, unique=True),
    Column("servicepack_id", Integer, nullable=False),
    Column("ftp_username", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("ip_type", String(16), nullable=False),
    Column("max_size_mb", Integer, nullable=False),
    Column("actual_size_mb", Integer, nullable=False),
    Column("application_pool", Text, nullable=False),  # JSON ApplicationPool
    Column("sites", Text, nullable=False),  # JSON [WindowsSite]
    Column("created_at", Float, nullable=False),
    Index("ix_windows_hostings_reseller_id_domain_name", "reseller_id", "domain_name"),
)


# Idempotency-Key records (conventions/idempotency.py), one per API key and key value. A
# row is claimed ("processing", with an owner and a lease) before the request runs; the
# response is written in the same transaction as the request's own changes ("done").
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("idempotency_key", String(255), primary_key=True),
    # sha256 of method, path (with query) and body: the same key with another request is refused.
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # processing | done
    Column("owner", String(32), nullable=False),  # the claim's random token
    Column("lease_until", Float, nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_headers", Text, nullable=True),  # JSON [[name, value], ...]
    Column("response_body", LargeBinary, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)

# Webhooks (resources/webhooks): endpoints, the outbox of events (written in the same
# transaction as the change they tell of) and one delivery per event and endpoint.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("description", String(200), nullable=False),
    Column("events", Text, nullable=False),  # JSON list of event types, "*" for all
    Column("secret", Text, nullable=False),  # Fernet token of the signing secret (whsec_...)
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# A new webhook signing secret this panel session may see once (after create or rotate),
# read from the endpoint's own encrypted row: like ``panel_secret_views`` for API keys.
panel_webhook_secret_views = Table(
    "panel_webhook_secret_views",
    metadata,
    Column("session_id", String(64), ForeignKey("panel_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("webhook_id", Integer, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), primary_key=True),
    Column("rotated", Boolean, nullable=False),
    Column("expires_at", Float, nullable=False),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(40), primary_key=True),  # evt_<uuid hex>: the webhook-id receivers de-duplicate on
    Column("reseller_id", Integer, ForeignKey("resellers.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("data", Text, nullable=False),  # JSON
    Column("created_at", Float, nullable=False),
    Index("ix_webhook_events_reseller_id_created_at", "reseller_id", "created_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(40), ForeignKey("webhook_events.id"), nullable=False),
    # What the event is about (the request's path, a job's resource): deliveries of one
    # resource to one endpoint go out in order.
    Column("resource", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # pending | succeeded | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float, nullable=True),
    Column("response_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_attempt_at", Float, nullable=True),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    sqlite_autoincrement=True,
)

# The sandbox for integrators (reseller_api/sandbox, RESELLER_API_SANDBOX=true): one row of
# state shared by every process (the test clock, how jobs run, the fixture loaded and the
# rows it made, for reset), and the fault rules.
sandbox_state = Table(
    "sandbox_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("clock_offset", Float, nullable=False),  # seconds added to the wall clock
    Column("frozen_at", Float, nullable=True),  # the frozen "now", or NULL when the clock runs
    Column("job_mode", String(16), nullable=False),  # estimate | instant | manual
    Column("fixture", Text, nullable=True),  # the YAML last loaded
    Column("snapshot", Text, nullable=True),  # JSON of every row just after it was loaded
    Column("version", Integer, nullable=False),  # bumped by every change
)

sandbox_faults = Table(
    "sandbox_faults",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target", String(8), nullable=False),  # request | job
    Column("method", String(10), nullable=True),  # requests: NULL matches any
    Column("path", String(500), nullable=True),  # requests: a glob on the path, NULL any
    Column("api_key", String(128), nullable=True),  # requests: NULL matches any key
    Column("status", Integer, nullable=True),  # requests: 429, 500 or 503; NULL: latency only
    Column("retry_after", Integer, nullable=True),  # requests answered 429 or 503
    Column("latency", Float, nullable=False),  # requests: seconds added before answering
    Column("job_kind", String(64), nullable=True),  # jobs: the kind that fails, NULL any
    Column("reason", Text, nullable=True),  # jobs: why it failed
    Column("remaining", Integer, nullable=True),  # how many more times; NULL: every time
    Column("probability", Float, nullable=False),  # 0 < p <= 1, of applying to a match
    Column("hits", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    sqlite_autoincrement=True,
)
