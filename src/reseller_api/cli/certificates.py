"""``reseller-api certificates renew``: renew the hosted sites' certificates that are due.

Certificates are issued when a site asks for Let's Encrypt; they renew only when something
asks again. Run this daily (cron or a systemd timer): it renews those with fewer than 30
days left (or retries a self-signed stand-in over ACME) and reloads nginx when a file changed.
"""

from __future__ import annotations

from reseller_api.settings import PREFIX, Settings


def renew(settings: Settings) -> int:
    if settings.web_backend != "nginx":
        print(f"no certificates to renew: {PREFIX}WEB_BACKEND is {settings.web_backend}, not nginx")
        return 0
    from reseller_api.backends.certificates import build_certificate_issuer, renew_due
    from reseller_api.backends.nginx import commands

    issuer = build_certificate_issuer(settings)
    renewed = renew_due(issuer)
    for certificate in renewed:
        print(f"renewed {certificate.fullchain.parent.name}: {certificate.note}")
    if renewed:
        # The paths stay the same, so the configuration does not change: a reload picks them up.
        commands.reload(settings.nginx_reload_command, "nginx")
    print(f"{len(renewed)} certificate(s) renewed")
    return 0
