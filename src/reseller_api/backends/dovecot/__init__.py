"""Dovecot mail platform: a passwd-file user database, Postfix ``texthash:`` maps, Sieve scripts
(``RESELLER_API_MAIL_BACKEND=dovecot``).

What it writes (docs/backends.md has the matching dovecot.conf and Postfix main.cf lines):

- ``RESELLER_API_DOVECOT_PASSWD_FILE``: one line per mailbox, for Dovecot's passwd-file passdb
  and userdb;
- in ``RESELLER_API_MAIL_MAPS_DIR`` (default: the passwd file's directory), the Postfix maps
  ``virtual_domains``, ``virtual_mailboxes``, ``virtual_aliases``, ``smtp_domains`` and
  ``anti_spam``;
- ``<passwd file>.state.json``: our own record of all of the above, from which every file is
  rendered whole; ``<passwd file>.lock`` serialises changes;
- per mailbox with auto-reply or auto-forward on, a Sieve script in its home.

- :mod:`.checks`: what a value must be to be written in these files (else BackendRefused)
- :mod:`.state`: our record, loaded and encoded
- :mod:`.render`: the passwd file and the maps, rendered from the record (pure)
- :mod:`.sieve`: the auto-reply and auto-forward script, and the files that make it active
- :mod:`.files`: atomic replacement, a change's files published or put back, the change lock
- :mod:`.backend`: :class:`DovecotMail`, the :class:`~reseller_api.backends.base.MailBackend`
"""

from reseller_api.backends.dovecot.backend import DovecotMail
from reseller_api.backends.dovecot.checks import dovecot_password, split_address
from reseller_api.backends.dovecot.files import publish, replace_file
from reseller_api.backends.dovecot.render import (
    HEADER,
    passwd_line,
    render_aliases,
    render_anti_spam,
    render_domains,
    render_mailboxes,
    render_smtp_domains,
)
from reseller_api.backends.dovecot.sieve import sieve_script
from reseller_api.backends.dovecot.state import MailboxState, MailState, SmtpDomainState, ZoneState

__all__ = [
    "HEADER",
    "DovecotMail",
    "MailState",
    "MailboxState",
    "SmtpDomainState",
    "ZoneState",
    "dovecot_password",
    "passwd_line",
    "publish",
    "render_aliases",
    "render_anti_spam",
    "render_domains",
    "render_mailboxes",
    "render_smtp_domains",
    "replace_file",
    "sieve_script",
    "split_address",
]
