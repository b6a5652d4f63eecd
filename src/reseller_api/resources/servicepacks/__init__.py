"""Servicepacks: the catalogue accounts are created from."""
