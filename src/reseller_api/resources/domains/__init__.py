"""Domains registered or transferred in through us: ``/v2/domains``."""
