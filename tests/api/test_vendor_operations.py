"""The acceptance of a generated client: every operation of the vendor's YAML is served.

The walk below calls each of the YAML's operations (method and path template) once, in an
order where each finds what it needs (created by the ones before it, or by the replay
suite's world), checks the status is one the YAML declares for it (and the one a client
expects on success), and validates the JSON answer against the YAML's schema for that status
(made strict as in ``tests/vendor.py``: every declared property present, ``null`` allowed).
``test_the_walk_covers_every_operation`` fails when the YAML has an operation the walk skips.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.test_sslcertificates import make_csr
from tests.api.test_vendor_replay import PASSWORD, WINDOWS, World, built_world, openssh
from tests.harness import Caller, DatabaseFactory
from tests.vendor import document, operation_path, schema_problems

DNS = "/v2/dns/example.com/records"
HOSTING = "/v2/linuxhostings/example.com"
MAILBOX = "abuse@example.com"
ZONE = "/v2/mailzones/example.com"


@dataclass
class Walk:
    world: World
    found: dict[str, str] = field(default_factory=dict)  # what earlier answers named

    @property
    def api(self) -> Caller:
        return self.world.api


# (method, YAML path template) -> (path as sent, body, the status a client expects).
Call = Callable[[Walk], tuple[str, Any, int]]


def remember(key: str, header: str = "Location") -> Callable[[Walk, Any], None]:
    def keep(walk: Walk, response: Any) -> None:
        walk.found[key] = response.headers[header]

    return keep


STEPS: list[tuple[str, str, Call]] = [
    ("GET", "/servicepacks", lambda w: ("/v2/servicepacks", None, 200)),
    ("GET", "/accounts", lambda w: ("/v2/accounts", None, 200)),
    (
        "POST",
        "/accounts",
        lambda w: (
            "/v2/accounts",
            {"identifier": "walked.example.org", "servicepack_id": 1, "ftp_password": PASSWORD},
            202,
        ),
    ),
    (
        "GET",
        "/provisioningjobs/{jobId}",
        lambda w: (f"/v2/provisioningjobs/{w.world.jobs['finished']}", None, 201),
    ),
    ("GET", "/accounts/{accountId}", lambda w: (f"/v2/accounts/{w.world.account_id}", None, 200)),
    # DNS
    ("GET", "/dns/{domainName}/records", lambda w: (DNS, None, 200)),
    (
        "POST",
        "/dns/{domainName}/records",
        lambda w: (
            DNS,
            {"id": "", "record_name": "walk", "type": "A", "ttl": 3600, "content": "127.0.0.3"},
            201,
        ),
    ),
    ("GET", "/dns/{domainName}/records/{recordId}", lambda w: (f"{DNS}/{w.world.records['A']}", None, 200)),
    (
        "PUT",
        "/dns/{domainName}/records/{recordId}",
        lambda w: (
            f"{DNS}/{w.world.records['A']}",
            {"record_name": "", "type": "A", "ttl": 3600, "content": "127.0.0.4"},
            200,
        ),
    ),
    (
        "DELETE",
        "/dns/{domainName}/records/{recordId}",
        lambda w: (f"{DNS}/{w.world.doomed_record}", None, 204),
    ),
    # Domains
    ("GET", "/domains", lambda w: ("/v2/domains", None, 200)),
    ("GET", "/domains/{domainName}", lambda w: ("/v2/domains/example.com", None, 200)),
    (
        "POST",
        "/domains/registrations",
        lambda w: ("/v2/domains/registrations", {"domain_name": "walked.be", "name_servers": []}, 202),
    ),
    (
        "PUT",
        "/domains/{domainName}/nameservers",
        lambda w: (
            "/v2/domains/second-example.net/nameservers",
            {"domain_name": "second-example.net", "name_servers": ["ns1.example.net", "ns2.example.net"]},
            204,
        ),
    ),
    (
        "PUT",
        "/domains/{domainName}/renew",
        lambda w: ("/v2/domains/second-example.net/renew", {"will_renew": False}, 204),
    ),
    # Linux hostings
    ("GET", "/linuxhostings", lambda w: ("/v2/linuxhostings", None, 200)),
    ("GET", "/linuxhostings/{domainName}", lambda w: (HOSTING, None, 200)),
    (
        "PUT",
        "/linuxhostings/{domainName}/ftp/configuration",
        lambda w: (f"{HOSTING}/ftp/configuration", {"enabled": True}, 204),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/phpsettings/apcu",
        lambda w: (f"{HOSTING}/phpsettings/apcu", {"apcu_size": 64, "enabled": True}, 204),
    ),
    (
        "GET",
        "/linuxhostings/{domainName}/phpsettings/availableversions",
        lambda w: (f"{HOSTING}/phpsettings/availableversions", None, 200),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/phpsettings/memorylimit",
        lambda w: (f"{HOSTING}/phpsettings/memorylimit", {"memory_limit": 256}, 204),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/phpsettings/version",
        lambda w: (f"{HOSTING}/phpsettings/version", {"version": "8.2"}, 204),
    ),
    (
        "POST",
        "/linuxhostings/{domainName}/scheduledtasks",
        lambda w: (
            f"{HOSTING}/scheduledtasks",
            {"cron_expression": "*/5 * * * *", "script_location": "/www/cron.php", "enabled": True},
            201,
        ),
    ),
    ("GET", "/linuxhostings/{domainName}/scheduledtasks", lambda w: (f"{HOSTING}/scheduledtasks", None, 200)),
    (
        "GET",
        "/linuxhostings/{domainName}/scheduledtasks/{scheduledTaskId}",
        lambda w: (w.found["task"], None, 200),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/scheduledtasks/{scheduledTaskId}",
        lambda w: (
            w.found["task"],
            {"cron_expression": "0 * * * *", "script_location": "/www/cron.php", "enabled": False},
            204,
        ),
    ),
    (
        "DELETE",
        "/linuxhostings/{domainName}/scheduledtasks/{scheduledTaskId}",
        lambda w: (w.found["task"], None, 204),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/settings/gzipcompression",
        lambda w: (f"{HOSTING}/settings/gzipcompression", {"enabled": False}, 204),
    ),
    (
        "POST",
        "/linuxhostings/{domainName}/sites/{siteName}/hostheaders",
        lambda w: (f"{HOSTING}/sites/example.com/hostheaders", {"domain_name": "alias.example.com"}, 201),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/sites/{siteName}/http2/configuration",
        lambda w: (f"{HOSTING}/sites/example.com/http2/configuration", {"enabled": True}, 204),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/ssh/configuration",
        lambda w: (f"{HOSTING}/ssh/configuration", {"enabled": True}, 204),
    ),
    ("GET", "/linuxhostings/{domainName}/ssh/keys", lambda w: (f"{HOSTING}/ssh/keys", None, 200)),
    (
        "POST",
        "/linuxhostings/{domainName}/ssh/keys",
        lambda w: (f"{HOSTING}/ssh/keys", {"public_key": openssh("walk@example.com")}, 201),
    ),
    (
        "DELETE",
        "/linuxhostings/{domainName}/ssh/keys/{fingerprint}",
        lambda w: (w.world.doomed_key_location, None, 204),
    ),
    ("GET", "/ssh", lambda w: ("/v2/ssh", None, 200)),
    (
        "PUT",
        "/linuxhostings/{domainName}/sslsettings/{hostname}/letsencrypt",
        lambda w: (f"{HOSTING}/sslsettings/example.com/letsencrypt", {"enabled": True}, 204),
    ),
    (
        "PUT",
        "/linuxhostings/{domainName}/sslsettings/{hostname}/autoredirect",
        lambda w: (f"{HOSTING}/sslsettings/example.com/autoredirect", {"enabled": True}, 204),
    ),
    (
        "POST",
        "/linuxhostings/{domainName}/subsites",
        lambda w: (
            f"{HOSTING}/subsites",
            {"domain_name": "shop.example.com", "path": "subsites/shop.example.com"},
            201,
        ),
    ),
    (
        "DELETE",
        "/linuxhostings/{domainName}/subsites/{siteName}",
        lambda w: (f"{HOSTING}/subsites/shop.example.com", None, 204),
    ),
    # Mail
    ("GET", "/mailboxes", lambda w: ("/v2/mailboxes?domain_name=example.com", None, 200)),
    (
        "POST",
        "/mailboxes",
        lambda w: (
            "/v2/mailboxes",
            {"email_address": "walk@example.com", "account_id": w.world.account_id, "password": PASSWORD},
            201,
        ),
    ),
    ("GET", "/mailboxes/{mailboxName}", lambda w: (f"/v2/mailboxes/{MAILBOX}", None, 200)),
    (
        "PUT",
        "/mailboxes/{mailboxName}/autoforward",
        lambda w: (
            f"/v2/mailboxes/{MAILBOX}/autoforward",
            {"enabled": True, "email_addresses": ["other@example.net"], "copy_to_myself": True},
            204,
        ),
    ),
    (
        "PUT",
        "/mailboxes/{mailboxName}/autoreply",
        lambda w: (
            f"/v2/mailboxes/{MAILBOX}/autoreply",
            {"enabled": True, "subject": "Away", "message": "Back soon"},
            204,
        ),
    ),
    (
        "PUT",
        "/mailboxes/{mailboxName}/password",
        lambda w: (f"/v2/mailboxes/{MAILBOX}/password", {"password": PASSWORD + "2"}, 204),
    ),
    ("DELETE", "/mailboxes/{mailboxName}", lambda w: ("/v2/mailboxes/walk@example.com", None, 204)),
    ("GET", "/mailzones/{domainName}", lambda w: (ZONE, None, 200)),
    (
        "POST",
        "/mailzones/{domainName}/aliases",
        lambda w: (f"{ZONE}/aliases", {"email_address": "sales@example.com", "destinations": [MAILBOX]}, 201),
    ),
    (
        "PUT",
        "/mailzones/{domainName}/aliases/{emailAddress}",
        lambda w: (f"{ZONE}/aliases/sales@example.com", {"destinations": ["other@example.net"]}, 202),
    ),
    (
        "DELETE",
        "/mailzones/{domainName}/aliases/{emailAddress}",
        lambda w: (f"{ZONE}/aliases/sales@example.com", None, 204),
    ),
    ("PUT", "/mailzones/{domainName}/antispam", lambda w: (f"{ZONE}/antispam", {"type": "advanced"}, 204)),
    (
        "POST",
        "/mailzones/{domainName}/catchall",
        lambda w: (f"{ZONE}/catchall", {"email_address": MAILBOX}, 201),
    ),
    (
        "DELETE",
        "/mailzones/{domainName}/catchall/{emailAddress}",
        lambda w: (f"{ZONE}/catchall/{MAILBOX}", None, 204),
    ),
    (
        "POST",
        "/mailzones/{domainName}/smtpdomains",
        lambda w: (f"{ZONE}/smtpdomains", {"hostname": "mail.example.com"}, 201),
    ),
    (
        "PUT",
        "/mailzones/{domainName}/smtpdomains/{hostname}",
        lambda w: (f"{ZONE}/smtpdomains/mail.example.com", {"enabled": False}, 202),
    ),
    (
        "DELETE",
        "/mailzones/{domainName}/smtpdomains/{hostname}",
        lambda w: (f"{ZONE}/smtpdomains/mail.example.com", None, 204),
    ),
    # MySQL
    ("GET", "/mysqldatabases", lambda w: ("/v2/mysqldatabases", None, 200)),
    (
        "POST",
        "/mysqldatabases",
        lambda w: (
            "/v2/mysqldatabases",
            {"database_name": "walked", "account_id": w.world.account_id, "password": "secret1password"},
            202,
        ),
    ),
    (
        "GET",
        "/mysqldatabases/{databaseName}",
        lambda w: (f"/v2/mysqldatabases/{w.world.database_name}", None, 200),
    ),
    (
        "GET",
        "/mysqldatabases/{databaseName}/users",
        lambda w: (f"/v2/mysqldatabases/{w.world.database_name}/users", None, 200),
    ),
    (
        "POST",
        "/mysqldatabases/{databaseName}/users",
        lambda w: (
            f"/v2/mysqldatabases/{w.world.database_name}/users",
            {"name": "walker", "password": "secret1password"},
            202,
        ),
    ),
    (
        "PUT",
        "/mysqldatabases/{databaseName}/users/{userName}/password",
        lambda w: (
            f"/v2/mysqldatabases/{w.world.database_name}/users/{w.found['user']}/password",
            {"password": "secret2password"},
            204,
        ),
    ),
    (
        "PUT",
        "/mysqldatabases/{databaseName}/users/{userName}/status",
        lambda w: (
            f"/v2/mysqldatabases/{w.world.database_name}/users/{w.found['user']}/status",
            {"enabled": False},
            204,
        ),
    ),
    (
        "DELETE",
        "/mysqldatabases/{databaseName}/users/{userName}",
        lambda w: (f"/v2/mysqldatabases/{w.world.database_name}/users/{w.found['user']}", None, 204),
    ),
    (
        "DELETE",
        "/mysqldatabases/{databaseName}",
        lambda w: (f"/v2/mysqldatabases/{w.world.database_name}", None, 204),
    ),
    # SSL certificates (issue 15)
    (
        "POST",
        "/sslcertificaterequests",
        lambda w: (
            "/v2/sslcertificaterequests",
            {
                "csr": make_csr("example.com"),
                "certificate_type": "standard",
                "validation_level": "domain_validated",
            },
            201,
        ),
    ),
    ("GET", "/sslcertificaterequests", lambda w: ("/v2/sslcertificaterequests", None, 200)),
    ("GET", "/sslcertificaterequests/{id}", lambda w: (w.found["pending"], None, 200)),
    ("PUT", "/sslcertificaterequests/{id}", lambda w: (w.found["issued_request"], None, 303)),
    ("GET", "/sslcertificates", lambda w: ("/v2/sslcertificates", None, 200)),
    ("GET", "/sslcertificates/{sha1Fingerprint}", lambda w: (w.found["certificate"], None, 200)),
    (
        "GET",
        "/sslcertificates/{sha1Fingerprint}/download",
        lambda w: (f"{w.found['certificate']}/download?file_format=pem&password=unused", None, 200),
    ),
    # Windows hostings (issue 15)
    ("GET", "/windowshostings", lambda w: ("/v2/windowshostings", None, 200)),
    ("GET", "/windowshostings/{domainName}", lambda w: (f"/v2/windowshostings/{WINDOWS}", None, 200)),
]


def _prepare(walk: Walk, method: str, template: str) -> None:
    """What a step needs that no earlier step of the walk made."""
    api = walk.api
    if (
        template == "/linuxhostings/{domainName}/scheduledtasks/{scheduledTaskId}"
        and "task" not in walk.found
    ):
        raise AssertionError("the scheduled task's POST runs first")
    if template == "/mysqldatabases/{databaseName}/users/{userName}/password" and "user" not in walk.found:
        job = walk.found["user_job"]
        done = api.wait_job(job)
        assert done.status_code == 201, done.text
        users = api.get(f"/v2/mysqldatabases/{walk.world.database_name}/users").json()
        walk.found["user"] = next(u["name"] for u in users if u["name"].endswith("walker"))
    if template == "/sslcertificaterequests/{id}" and "pending" not in walk.found:
        # One request that waits (no zone of ours holds the name) and the walk's, issued.
        pending = api.post(
            "/v2/sslcertificaterequests",
            {
                "csr": make_csr("elsewhere.example.org"),
                "certificate_type": "standard",
                "validation_level": "domain_validated",
            },
        )
        assert pending.status_code == 201, pending.text
        walk.found["pending"] = pending.headers["Location"]
        for _ in range(200):
            response = api.get(walk.found["request"])
            if response.status_code == 303:
                walk.found["issued_request"] = walk.found["request"]
                walk.found["certificate"] = response.headers["Location"]
                break
            import time

            time.sleep(0.05)
        else:
            raise AssertionError("the walk's certificate request was never issued")


def _after(walk: Walk, template: str, method: str, response: Any) -> None:
    if (method, template) == ("POST", "/linuxhostings/{domainName}/scheduledtasks"):
        walk.found["task"] = response.headers["Location"]
    if (method, template) == ("POST", "/mysqldatabases/{databaseName}/users"):
        walk.found["user_job"] = response.headers["Location"]
    if (method, template) == ("POST", "/sslcertificaterequests"):
        walk.found["request"] = response.headers["Location"]


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Iterator[Walk]:
    with built_world(tmp_path_factory, db_factory, key_name="walker", job_duration="0.05") as world:
        yield Walk(world)


def _operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), template)
        for template, item in document()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }


def test_the_walk_covers_every_operation() -> None:
    walked = [(method, template) for method, template, _ in STEPS]
    assert len(walked) == len(set(walked)), "an operation is walked twice"
    assert set(walked) == _operations()
    assert len(walked) == 74


def test_every_operation_answers_as_the_yaml_says(walk: Walk) -> None:
    problems: list[str] = []
    for method, template, call in STEPS:
        try:
            _prepare(walk, method, template)
        except AssertionError as exc:
            raise AssertionError("\n".join([*problems, str(exc)])) from None
        path, body, expected = call(walk)
        response = walk.api.request(method, path, body)
        declared = document()["paths"][template][method.lower()]["responses"]
        name = f"{method} {template} ({path})"
        if response.status_code != expected or str(response.status_code) not in declared:
            problems.append(f"{name}: {response.status_code} {response.text[:200]}")
            continue
        assert operation_path(method, path.split("?")[0]) == template, name
        _after(walk, template, method, response)
        media = response.headers.get("content-type", "")
        if media.startswith("application/json") and response.content:
            found = schema_problems(method, path, response.status_code, json.loads(response.content))
            problems.extend(f"{name}: {p}" for p in found)
    assert not problems, "\n".join(problems)

    # The YAML's only download format needs a private key we never hold: its declared 400.
    pfx = walk.api.get(f"{walk.found['certificate']}/download?file_format=pfx&password=Secret123")
    assert pfx.status_code == 400
    assert pfx.json()["error_code"] == "ssl_certificate_private_key_unavailable"
