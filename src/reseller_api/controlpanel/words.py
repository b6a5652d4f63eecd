"""The audit log in words: "Created account shop.be", "Rotated key 'billing'".

An entry stores what happened as recorded (the panel's action and detail, or the API's
method, path and answer); this module says it the way a person would, using the names of
keys and the subjects of provisioning jobs where it knows them. The raw entry stays
available beside the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

KEY_PATTERN = re.compile(r"\b[0-9a-f]{32}\b")
JOB_PATTERN = re.compile(r"/v2/provisioningjobs/([0-9a-f-]{36})")

Describe = Callable[[re.Match[str], str], str]


def _api_routes() -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, sentence) for every API write; ``{subject}`` is the job's subject."""
    seg = r"(?P<{}>[^/]+)"
    d, rid, s, h = seg.format("d"), seg.format("id"), seg.format("s"), seg.format("h")
    routes = [
        ("POST", r"/v2/accounts", "Ordered account {subject}"),
        ("POST", rf"/v2/dns/{d}/records", "Added a DNS record to {d}"),
        ("PUT", rf"/v2/dns/{d}/records/{rid}", "Changed a DNS record of {d}"),
        ("DELETE", rf"/v2/dns/{d}/records/{rid}", "Deleted a DNS record of {d}"),
        ("POST", r"/v2/domains/registrations", "Registered domain {subject}"),
        ("POST", r"/v2/domains/transfers", "Transferred domain {subject} in"),
        ("PUT", rf"/v2/domains/{d}/nameservers", "Changed the name servers of {d}"),
        ("PUT", rf"/v2/domains/{d}/renew", "Changed the automatic renewal of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/phpsettings/version", "Changed the PHP version of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/phpsettings/memorylimit", "Changed the PHP memory limit of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/phpsettings/apcu", "Changed APCu of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/settings/gzipcompression", "Switched gzip compression of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/ftp/configuration", "Switched FTP access of {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/ssh/configuration", "Switched SSH access of {d}"),
        ("POST", rf"/v2/linuxhostings/{d}/ssh/keys", "Added an SSH key to {d}"),
        ("DELETE", rf"/v2/linuxhostings/{d}/ssh/keys/{rid}", "Removed an SSH key from {d}"),
        ("POST", rf"/v2/linuxhostings/{d}/subsites", "Added a subsite to {d}"),
        ("DELETE", rf"/v2/linuxhostings/{d}/subsites/{s}", "Deleted subsite {s} of {d}"),
        ("POST", rf"/v2/linuxhostings/{d}/sites/{s}/hostheaders", "Added a host name to site {s}"),
        ("PUT", rf"/v2/linuxhostings/{d}/sites/{s}/http2/configuration", "Switched HTTP/2 of site {s}"),
        ("PUT", rf"/v2/linuxhostings/{d}/sslsettings/{h}/letsencrypt", "Switched Let's Encrypt for {h}"),
        (
            "PUT",
            rf"/v2/linuxhostings/{d}/sslsettings/{h}/autoredirect",
            "Switched HTTPS redirect for {h}",
        ),
        ("POST", rf"/v2/linuxhostings/{d}/scheduledtasks", "Added a scheduled task to {d}"),
        ("PUT", rf"/v2/linuxhostings/{d}/scheduledtasks/{rid}", "Changed a scheduled task of {d}"),
        ("DELETE", rf"/v2/linuxhostings/{d}/scheduledtasks/{rid}", "Deleted a scheduled task of {d}"),
        ("POST", r"/v2/mailboxes", "Created mailbox {location}"),
        ("POST", rf"/v2/mailboxes/{d}", "Created mailbox {location}"),
        ("DELETE", rf"/v2/mailboxes/{d}", "Deleted mailbox {d}"),
        ("PUT", rf"/v2/mailboxes/{d}/password", "Changed the password of mailbox {d}"),
        ("PUT", rf"/v2/mailboxes/{d}/autoreply", "Changed the auto-reply of {d}"),
        ("PUT", rf"/v2/mailboxes/{d}/autoforward", "Changed the auto-forward of {d}"),
        ("POST", rf"/v2/mailzones/{d}/aliases", "Added an alias to {d}"),
        ("PUT", rf"/v2/mailzones/{d}/aliases/{s}", "Changed alias {s}"),
        ("DELETE", rf"/v2/mailzones/{d}/aliases/{s}", "Deleted alias {s}"),
        ("POST", rf"/v2/mailzones/{d}/catchall", "Added a catch-all address to {d}"),
        ("DELETE", rf"/v2/mailzones/{d}/catchall/{s}", "Removed catch-all address {s} of {d}"),
        ("PUT", rf"/v2/mailzones/{d}/antispam", "Changed the anti-spam of {d}"),
        ("POST", rf"/v2/mailzones/{d}/smtpdomains", "Added an SMTP domain to {d}"),
        ("PUT", rf"/v2/mailzones/{d}/smtpdomains/{h}", "Switched SMTP domain {h}"),
        ("DELETE", rf"/v2/mailzones/{d}/smtpdomains/{h}", "Deleted SMTP domain {h}"),
        ("POST", r"/v2/mysqldatabases", "Ordered MySQL database {subject}"),
        ("DELETE", rf"/v2/mysqldatabases/{d}", "Deleted MySQL database {d}"),
        ("POST", rf"/v2/mysqldatabases/{d}/users", "Ordered MySQL user {subject}"),
        ("DELETE", rf"/v2/mysqldatabases/{d}/users/{s}", "Deleted MySQL user {s} of {d}"),
        ("PUT", rf"/v2/mysqldatabases/{d}/users/{s}/password", "Changed the password of MySQL user {s}"),
        ("PUT", rf"/v2/mysqldatabases/{d}/users/{s}/status", "Switched MySQL user {s}"),
        ("POST", r"/v2/webhooks", "Added webhook {location}"),
        ("PUT", rf"/v2/webhooks/{rid}", "Changed webhook {id}"),
        ("DELETE", rf"/v2/webhooks/{rid}", "Deleted webhook {id}"),
        ("POST", rf"/v2/webhooks/{rid}/test", "Sent a test event to webhook {id}"),
        ("POST", rf"/v2/webhooks/{rid}/secret/rotate", "Rotated the signing secret of webhook {id}"),
        ("POST", rf"/v2/webhooks/{rid}/deliveries/{s}/redeliver", "Sent delivery {s} of webhook {id} again"),
    ]
    return [(method, re.compile(f"^{path}/?$"), text) for method, path, text in routes]


API_ROUTES = _api_routes()

PANEL_ACTIONS = {
    "sign in": "Signed in",
    "sign in failed": "Failed to sign in",
    "sign out": "Signed out",
    "set password": "Set the password with the one-time link",
    "change password": "Changed the password",
    "create API key": "Created key {key}",
    "rotate API key secret": "Rotated key {key}",
    "revoke API key": "Revoked key {key}",
    "rename API key": "Renamed key {key}",
    "whitelist address": "Whitelisted {network} for key {key}",
    "remove whitelisted address": "Removed {network} from key {key}",
    "create webhook endpoint": "Added {detail}",
    "change webhook endpoint": "Changed {detail}",
    "enable webhook endpoint": "Enabled {detail} again",
    "send webhook test event": "Sent a test event to {detail}",
    "rotate webhook secret": "Rotated the signing secret of {detail}",
    "delete webhook endpoint": "Deleted {detail}",
    "redeliver webhook event": "Sent an event again: {detail}",
    "create panel user": "Created control panel user {detail}",
    "issue set-password link": "Issued a set-password link for {detail}",
    # reseller-api admin (an operator)
    "create reseller": "Created reseller {detail}",
    "create servicepack": "Created servicepack {detail}",
    "rotate the secret key": "Rotated the secret key: {detail}",
}


def quoted_key(api_key: str, names: Mapping[str, str]) -> str:
    """``'billing'`` when the key has a name, else the shortened key."""
    name = names.get(api_key)
    if name:
        return f"'{name}'"
    return api_key if len(api_key) <= 14 else f"{api_key[:8]}…{api_key[-4:]}"


def describe(
    action: str, detail: str, names: Mapping[str, str], subjects: Mapping[str, str] | None = None
) -> str:
    """One entry as a sentence; an action this module does not know is shown as recorded."""
    method, _, path = action.partition(" ")
    if method in ("POST", "PUT", "DELETE", "PATCH") and path.startswith("/"):
        return _api(method, path, detail, subjects or {})
    template = PANEL_ACTIONS.get(action)
    if template is None:
        return f"{action[:1].upper()}{action[1:]}" + (f": {detail}" if detail else "")
    keys = KEY_PATTERN.findall(detail)
    network = detail.split(" for ", 1)[0] if " for " in detail else ""
    sentence = template.format(
        key=quoted_key(keys[0], names) if keys else "",
        network=network,
        detail=detail,
    )
    if action == "create API key" and ", whitelisted " in detail:
        sentence += ", whitelisted " + detail.split(", whitelisted ", 1)[1]
    return sentence


def _api(method: str, path: str, detail: str, subjects: Mapping[str, str]) -> str:
    job = JOB_PATTERN.search(detail)
    location = detail.split(" ", 1)[1] if " " in detail else ""
    for route_method, pattern, template in API_ROUTES:
        found = pattern.match(path)
        if route_method != method or found is None:
            continue
        values = {name: unquote(value) for name, value in found.groupdict().items()}
        subject = subjects.get(job.group(1), "") if job else ""
        sentence = template.format(
            subject=subject or "(see its job)", location=unquote(location.rsplit("/", 1)[-1]), **values
        )
        return " ".join(sentence.split())
    return f"{method} {path}"


def keys_mentioned(entries: list[tuple[str, str, str]]) -> set[str]:
    """Every API key an entry's actor or detail names: (actor_kind, actor, detail) triples."""
    found: set[str] = set()
    for kind, actor, detail in entries:
        if kind == "api_key":
            found.add(actor)
        found.update(KEY_PATTERN.findall(detail))
    return found


def jobs_mentioned(details: list[str]) -> set[str]:
    return {m.group(1) for d in details for m in JOB_PATTERN.finditer(d)}
