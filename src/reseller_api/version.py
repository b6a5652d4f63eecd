"""The server's version (``reseller-api --version``, backups, the webhooks' User-Agent).

``reseller_api`` itself is a namespace package (PEP 420) split across two distributions: this
one, the server, and ``reseller-api-client`` (``reseller_api.client``, ``reseller_api.wire``).
Neither may ship ``reseller_api/__init__.py``, or it would hide the other's half.
"""

__version__ = "0.1.0"
