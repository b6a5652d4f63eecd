"""Accounts: instances of a servicepack, holding its assets."""
