"""reseller-api: a self-hostable implementation of the hosting reseller Public API v2."""

__version__ = "0.1.0"
