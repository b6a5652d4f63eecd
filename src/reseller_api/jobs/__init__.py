"""Provisioning jobs: rows in the store, executed by a runner (embedded or ``reseller-api worker``)."""
