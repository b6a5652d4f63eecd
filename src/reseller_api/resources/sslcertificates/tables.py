"""The validations of SSL certificate requests and the certificates issued (resources/sslcertificates).

The requests themselves stay in ``store/tables.py``: the ACME issuer (backends/acme_authority.py)
records the chain it ordered on them, and a backend imports no resource package.

Defined on the one ``metadata`` of ``store/tables.py`` (its naming convention); the package's
manifest lists them (``TABLES``), so the schema the processes check is complete
(resources/registry.py ``schema``). Migrations under ``store/migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from reseller_api.store.tables import metadata

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

TABLES = (ssl_certificate_validations, ssl_certificates)
