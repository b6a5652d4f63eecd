"""Mailboxes: addresses of a mail zone with storage, a password, auto-reply and auto-forward."""
