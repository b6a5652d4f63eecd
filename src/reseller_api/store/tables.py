"""The one ``metadata``, and the tables of the core: those the layers below the resource packages
use (credentials, jobs, backends, conventions), those of no resource package (the control panel,
the sandbox), and the accounts every asset package reads. Times are unix seconds (float), UTC by
definition.

Each resource package defines its own tables on this ``metadata`` in its ``tables.py``, listed
by its manifest; the store never imports them. The complete schema is therefore known above
the resource packages only: ``resources/registry.py``'s ``schema()``, which the processes hand
to ``migrate.prepare`` and ``migrate.missing``. Migrations under ``migrations/versions`` create
exactly that schema; a test compares the two.
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


# The account, parent of every asset and read by each asset's package (a table of one of them
# would make the packages import each other): a core table, like the resellers.
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
# Here, not in controlpanel/: the webhook delivery (resources/webhooks) writes the audit log
# too, and the complete schema (resources/registry.py) is gathered below the control panel.
# The sandbox's tables, at the end, stay here for the same reason.

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

# A CSR ordered through the API (resources/sslcertificates, whose tables.py has the rest): here
# because the ACME issuer (backends/acme_authority.py) keeps the chain it ordered on the request.
# ``status``: pending (waiting for its validations or, OV/EV, for an operator), issuing (its job
# runs), issued, failed (the job's reason on the job), rejected.
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


# The installation's own CA (one row): its key as a Fernet token, like the API secrets.
certificate_authority = Table(
    "certificate_authority",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_encrypted", Text, nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("created_at", Float, nullable=False),
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

# Webhook endpoints (resources/webhooks, whose tables.py has the events and deliveries): here
# because rotating the secret key re-encrypts their signing secrets (credentials/service.py).
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
