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

from reseller_api.resources import registry

KEY_PATTERN = re.compile(r"\b[0-9a-f]{32}\b")
JOB_PATTERN = re.compile(r"/v2/provisioningjobs/([0-9a-f-]{36})")

Describe = Callable[[re.Match[str], str], str]
# A path segment standing for a value in a manifest's AuditSentence ("/v2/dns/{d}/records").
_SEGMENT = re.compile(r"\{(\w+)\}")


def _api_routes() -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, sentence) for every API write, as the resources' manifests say them
    (``Resource.audit``); each ``{name}`` of a path matches one segment."""
    return [
        (said.method, re.compile("^" + _SEGMENT.sub(r"(?P<\1>[^/]+)", said.path) + "/?$"), said.sentence)
        for resource in registry.RESOURCES
        for said in resource.audit
    ]


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
