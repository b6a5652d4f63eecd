"""The ``reseller-api`` command: serve, worker, migrate, admin."""
