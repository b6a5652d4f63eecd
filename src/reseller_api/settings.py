"""One typed settings object, read once from ``RESELLER_API_*`` environment variables.

Every value is validated here so that a typo stops the process at start-up with a
one-line message, instead of surfacing later as a confusing runtime failure.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from limits import RateLimitItem, parse

PREFIX = "RESELLER_API_"
DEFAULT_RATE_LIMIT = "1000/minute"
DEFAULT_AUTH_FAILURE_LIMIT = "60/minute"
DEFAULT_NAME_SERVERS = ("ns1.reseller-api.test", "ns2.reseller-api.test")
# Their addresses, shown in domain details (TEST-NET-1, never routed, like the hosting IP).
DEFAULT_NAME_SERVER_IPS = (("ns1.reseller-api.test", "192.0.2.53"), ("ns2.reseller-api.test", "192.0.2.54"))
# The simulated registry: TLDs it sells, names registered elsewhere, auth codes of those
# that can be transferred in (name=code).
DEFAULT_REGISTRY_TLDS = ("be", "com", "eu", "net", "nl", "org")
DEFAULT_REGISTRY_TAKEN = ("taken.be", "taken.com", "taken.eu", "taken.net", "taken.nl", "taken.org")
DEFAULT_REGISTRY_TRANSFERS = (("transfer-me.be", "BE-AUTH-1234"), ("transfer-me.com", "COM-AUTH-1234"))
DEFAULT_MYSQL_HOSTNAME = "mysql.reseller-api.test"
DEFAULT_HOSTING_IP = "192.0.2.10"  # TEST-NET-1: an address that is never routed
DEFAULT_SSH_HOST = "ssh.reseller-api.test"
# RESELLER_API_* variables that belong to other programs: resellerctl's credentials (an operator
# may have them set in the same shell) and the test suite's switches (RESELLER_API_TEST_*).
NOT_OURS = frozenset({"URL", "KEY", "SECRET", "REQUIRE_REAL_SERVERS"})
NOT_OURS_PREFIXES = ("TEST_",)


class SettingsError(ValueError):
    """An environment variable holds a value we cannot use."""


def parse_rate_limit(value: str, name: str = "rate limit") -> RateLimitItem:
    """Parse ``N/PERIOD`` (``1000/minute``, ``10/second``) as the ``limits`` library does."""
    if not re.fullmatch(r"\s*\d+\s*(/|per)\s*\d*\s*[a-z]+\s*", value, re.IGNORECASE):
        raise SettingsError(f"{name}: expected N/PERIOD such as 1000/minute, got {value!r}")
    try:
        item = parse(value)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None
    if item.amount < 1:
        raise SettingsError(f"{name}: the limit must be at least 1, got {value!r}")
    return item


def normalise_database_url(url: str) -> str:
    """Pick our own driver: plain ``postgresql://`` means psycopg 3, ``sqlite://`` the stdlib."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite:///", "sqlite+pysqlite:///")):
        return url
    raise SettingsError(
        "RESELLER_API_DATABASE_URL: expected sqlite:///PATH or postgresql://..., "
        f"got {url.split('://', 1)[0]}://..."
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server can be told from the outside."""

    data_dir: Path = Path("var")
    database_url: str = "sqlite:///var/reseller-api.db"
    rate_limit: str = DEFAULT_RATE_LIMIT
    auth_failure_limit: str = DEFAULT_AUTH_FAILURE_LIMIT
    signature_max_age: int = 300
    job_duration: float = 1.0
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    secret_key: str | None = None
    name_servers: tuple[str, ...] = DEFAULT_NAME_SERVERS
    # Host -> address of those of our name servers whose address is known (``host=address``).
    name_server_ips: tuple[tuple[str, str], ...] = DEFAULT_NAME_SERVER_IPS
    registry_tlds: tuple[str, ...] = DEFAULT_REGISTRY_TLDS
    registry_taken: tuple[str, ...] = DEFAULT_REGISTRY_TAKEN
    registry_transfers: tuple[tuple[str, str], ...] = DEFAULT_REGISTRY_TRANSFERS
    mysql_hostname: str = DEFAULT_MYSQL_HOSTNAME
    # What Linux hosting details show as the web server's address and the SSH host.
    hosting_ip: str = DEFAULT_HOSTING_IP
    ssh_host: str = DEFAULT_SSH_HOST
    max_body_bytes: int = 1_048_576
    # How long a response stored under an Idempotency-Key is replayed (docs/extensions.md).
    idempotency_ttl: int = 86400
    # How long a client may take (serve's connection guard, cli/connections.py): to send a
    # request's headers from its first byte, its body from the headers' end, and to start a
    # request on an open connection; and how many connections one process keeps open.
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    # Unknown fields in request bodies: ignored, as the vendor's server does (False), or 400.
    strict_bodies: bool = False
    # Webhooks (docs/extensions.md): endpoints that resolve to private or loopback addresses
    # are refused unless this is on (no SSRF into the hosting network); how long a delivery
    # is retried before its endpoint is disabled.
    webhook_allow_private: bool = False
    webhook_retry_window: int = 86400
    # "embedded": jobs run inside `serve`; "worker": `serve` runs none, `reseller-api worker` does;
    # "procrastinate": deferred with procrastinate on PostgreSQL, run by `reseller-api worker`.
    job_runner: str = "embedded"
    # Scale-out: shared rate limits and nonces (None: in memory), pool size, worker concurrency,
    # and how many API processes the operator declares (several need Redis).
    redis_url: str | None = None
    redis_prefix: str = "reseller-api"
    db_pool_size: int = 10
    worker_concurrency: int = 4
    processes: int = 1
    log_level: str = "INFO"
    # "text": one line per record with a timestamp; "json": one JSON object per line.
    log_format: str = "text"
    # One line per request answered (logger reseller_api.access); off by default.
    access_log: bool = False
    # Real provisioning backends (docs/backends.md); each defaults to "simulated". Secrets
    # (the PowerDNS key, a password in the MariaDB URL) stay out of repr() and so out of logs.
    dns_backend: str = "simulated"
    powerdns_url: str | None = None
    powerdns_api_key: str | None = field(default=None, repr=False)
    powerdns_server_id: str = "localhost"
    mysql_backend: str = "simulated"
    mariadb_url: str | None = field(default=None, repr=False)
    web_backend: str = "simulated"
    web_root: Path | None = None
    nginx_conf_dir: Path | None = None
    nginx_reload_command: tuple[str, ...] = ("nginx", "-s", "reload")
    nginx_test_command: tuple[str, ...] = ("nginx", "-t")
    php_fpm_pool_dir: Path | None = None
    php_fpm_reload_command: tuple[str, ...] = ()
    # Checks the PHP-FPM configuration before a reload ("{version}": the pool's); "true": no check.
    php_fpm_test_command: tuple[str, ...] = ("php-fpm{version}", "-t")
    # Where the pools' unix sockets go (nginx connects there).
    php_fpm_socket_dir: Path = Path("/run/php")
    # nginx ``listen`` addresses of the rendered server blocks (HTTP, then HTTPS).
    nginx_http_listen: tuple[str, ...] = ("80", "[::]:80")
    nginx_https_listen: tuple[str, ...] = ("443", "[::]:443")
    # The hostings' cron.d-format crontab files; None: NGINX_CONF_DIR/crontabs.
    crontab_dir: Path | None = None
    # Owner of the hostings' files and user of their PHP and cron tasks (user[:group]); None: the
    # user the server runs as. Never root (the nginx backend refuses to start).
    web_user: str | None = None
    # An ACME directory for Let's Encrypt; None: self-signed certificates, said so in the detail.
    acme_directory_url: str | None = None
    mail_backend: str = "simulated"
    dovecot_passwd_file: Path | None = None
    # Where the MTA's maps (virtual aliases, domains) are written; None: beside the passwd file.
    mail_maps_dir: Path | None = None
    # Mailbox homes (maildirs, Sieve scripts); None: ``vmail`` beside the passwd file.
    mail_root: Path | None = None
    # SSL certificate requests (issue 15): days a request waits for its validations before it
    # expires (410), and days a certificate of the installation's own CA is valid.
    certificate_request_days: int = 30
    certificate_days: int = 397
    # Who signs validated SSL certificate requests: "internal" (the installation's own CA) or
    # "acme" (an order at ACME_DIRECTORY_URL, the directory the nginx backend uses).
    certificate_issuer: str = "internal"
    # The sandbox for integrators (reseller_api/sandbox): test clock, job modes, fault
    # injection, fixtures. Off by default; never together with a real backend. Its HTTP
    # endpoints (/sandbox/...) need this operator token as a Bearer token.
    sandbox: bool = False
    sandbox_token: str | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def bootstrap_file(self) -> Path:
        return self.data_dir / "bootstrap-credentials.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every ``RESELLER_API_*`` variable; raise SettingsError on the first bad one."""
        env = os.environ if env is None else env
        asked: set[str] = set()

        def get(name: str) -> str | None:
            asked.add(name)
            value = env.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() else None

        data_dir = Path(get("DATA_DIR") or "var")
        url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'reseller-api.db'}"
        rate_limit = get("RATE_LIMIT") or DEFAULT_RATE_LIMIT
        parse_rate_limit(rate_limit, "RESELLER_API_RATE_LIMIT")
        auth_failure_limit = get("AUTH_FAILURE_LIMIT") or DEFAULT_AUTH_FAILURE_LIMIT
        parse_rate_limit(auth_failure_limit, "RESELLER_API_AUTH_FAILURE_LIMIT")
        name_servers = _name_servers(get("NAME_SERVERS"))
        settings = cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            rate_limit=rate_limit,
            auth_failure_limit=auth_failure_limit,
            signature_max_age=_integer(get("SIGNATURE_MAX_AGE"), "SIGNATURE_MAX_AGE", 300, 1),
            job_duration=_number(get("JOB_DURATION"), "JOB_DURATION", 1.0),
            trusted_proxies=_networks(get("TRUSTED_PROXIES")),
            secret_key=get("SECRET_KEY"),
            name_servers=tuple(host for host, _ in name_servers),
            name_server_ips=tuple((host, ip) for host, ip in name_servers if ip),
            registry_tlds=_tlds(get("REGISTRY_TLDS")),
            registry_taken=_domain_list(get("REGISTRY_TAKEN"), "REGISTRY_TAKEN", DEFAULT_REGISTRY_TAKEN),
            registry_transfers=_transfers(get("REGISTRY_TRANSFERS")),
            mysql_hostname=_host(_either(get("MARIADB_HOSTNAME"), get("MYSQL_HOSTNAME")), "MARIADB_HOSTNAME")
            or DEFAULT_MYSQL_HOSTNAME,
            hosting_ip=_ip_address(get("HOSTING_IP"), "HOSTING_IP", DEFAULT_HOSTING_IP),
            ssh_host=_host(get("SSH_HOST"), "SSH_HOST") or DEFAULT_SSH_HOST,
            max_body_bytes=_integer(get("MAX_BODY_BYTES"), "MAX_BODY_BYTES", 1_048_576, 1024),
            idempotency_ttl=_integer(get("IDEMPOTENCY_TTL"), "IDEMPOTENCY_TTL", 86400, 60),
            header_timeout=_timeout(get("HEADER_TIMEOUT"), "HEADER_TIMEOUT", 10.0),
            body_timeout=_timeout(get("BODY_TIMEOUT"), "BODY_TIMEOUT", 30.0),
            keep_alive_timeout=_timeout(get("KEEP_ALIVE_TIMEOUT"), "KEEP_ALIVE_TIMEOUT", 5.0),
            max_connections=_integer(get("MAX_CONNECTIONS"), "MAX_CONNECTIONS", 1000, 1),
            strict_bodies=_boolean(get("STRICT_BODIES"), "STRICT_BODIES"),
            webhook_allow_private=_boolean(get("WEBHOOK_ALLOW_PRIVATE"), "WEBHOOK_ALLOW_PRIVATE"),
            webhook_retry_window=_integer(get("WEBHOOK_RETRY_WINDOW"), "WEBHOOK_RETRY_WINDOW", 86400, 1),
            log_level=_log_level(get("LOG_LEVEL")),
            log_format=_choice(get("LOG_FORMAT"), "LOG_FORMAT", ("text", "json")),
            access_log=_boolean(get("ACCESS_LOG"), "ACCESS_LOG"),
            job_runner=_choice(get("JOB_RUNNER"), "JOB_RUNNER", ("embedded", "worker", "procrastinate")),
            redis_url=_redis_url(get("REDIS_URL")),
            redis_prefix=get("REDIS_PREFIX") or "reseller-api",
            db_pool_size=_integer(get("DB_POOL_SIZE"), "DB_POOL_SIZE", 10, 1),
            worker_concurrency=_integer(get("WORKER_CONCURRENCY"), "WORKER_CONCURRENCY", 4, 1),
            processes=_integer(get("PROCESSES") or env.get("WEB_CONCURRENCY"), "PROCESSES", 1, 1),
            dns_backend=_choice(get("DNS_BACKEND"), "DNS_BACKEND", ("simulated", "powerdns")),
            powerdns_url=_http_url(get("POWERDNS_URL"), "POWERDNS_URL"),
            powerdns_api_key=get("POWERDNS_API_KEY"),
            powerdns_server_id=get("POWERDNS_SERVER_ID") or "localhost",
            mysql_backend=_choice(get("MYSQL_BACKEND"), "MYSQL_BACKEND", ("simulated", "mariadb")),
            mariadb_url=_mariadb_url(get("MARIADB_URL")),
            web_backend=_choice(get("WEB_BACKEND"), "WEB_BACKEND", ("simulated", "nginx")),
            web_root=_path(get("WEB_ROOT")),
            nginx_conf_dir=_path(get("NGINX_CONF_DIR")),
            nginx_reload_command=_command(
                get("NGINX_RELOAD_COMMAND"), "NGINX_RELOAD_COMMAND", ("nginx", "-s", "reload")
            ),
            nginx_test_command=_command(get("NGINX_TEST_COMMAND"), "NGINX_TEST_COMMAND", ("nginx", "-t")),
            php_fpm_pool_dir=_path(get("PHP_FPM_POOL_DIR")),
            php_fpm_reload_command=_command(get("PHP_FPM_RELOAD_COMMAND"), "PHP_FPM_RELOAD_COMMAND", ()),
            php_fpm_test_command=_command(
                get("PHP_FPM_TEST_COMMAND"), "PHP_FPM_TEST_COMMAND", ("php-fpm{version}", "-t")
            ),
            php_fpm_socket_dir=_path(get("PHP_FPM_SOCKET_DIR")) or Path("/run/php"),
            nginx_http_listen=_command(get("NGINX_HTTP_LISTEN"), "NGINX_HTTP_LISTEN", ("80", "[::]:80")),
            nginx_https_listen=_command(get("NGINX_HTTPS_LISTEN"), "NGINX_HTTPS_LISTEN", ("443", "[::]:443")),
            crontab_dir=_path(get("CRONTAB_DIR")),
            web_user=get("WEB_USER"),
            acme_directory_url=_http_url(get("ACME_DIRECTORY_URL"), "ACME_DIRECTORY_URL"),
            mail_backend=_choice(get("MAIL_BACKEND"), "MAIL_BACKEND", ("simulated", "dovecot")),
            dovecot_passwd_file=_path(get("DOVECOT_PASSWD_FILE")),
            mail_maps_dir=_path(get("MAIL_MAPS_DIR")),
            mail_root=_path(get("MAIL_ROOT")),
            certificate_request_days=_integer(
                get("CERTIFICATE_REQUEST_DAYS"), "CERTIFICATE_REQUEST_DAYS", 30, 1
            ),
            certificate_days=_integer(get("CERTIFICATE_DAYS"), "CERTIFICATE_DAYS", 397, 1),
            certificate_issuer=_choice(get("CERTIFICATE_ISSUER"), "CERTIFICATE_ISSUER", ("internal", "acme")),
            sandbox=_boolean(get("SANDBOX"), "SANDBOX"),
            sandbox_token=_sandbox_token(get("SANDBOX_TOKEN")),
        )
        _refuse_unknown(env, asked)
        return settings.checked()

    def checked(self) -> Settings:
        """Refuse combinations that cannot work, before anything starts."""
        if self.job_runner == "procrastinate" and self.is_sqlite:
            raise SettingsError(
                f"{PREFIX}JOB_RUNNER=procrastinate needs PostgreSQL: set {PREFIX}DATABASE_URL=postgresql://..."
            )
        if self.processes > 1 and self.redis_url is None:
            raise SettingsError(
                f"{PREFIX}PROCESSES={self.processes} (or uvicorn --workers / WEB_CONCURRENCY) with in-memory "
                f"rate limits and nonces: each process would count alone; set {PREFIX}REDIS_URL=redis://..."
            )
        self._check_backends()
        if self.certificate_issuer == "acme" and self.acme_directory_url is None:
            raise SettingsError(
                f"{PREFIX}CERTIFICATE_ISSUER=acme needs an ACME directory: set {PREFIX}ACME_DIRECTORY_URL=https://..."
            )
        self._check_sandbox()
        return self

    def real_backends(self) -> list[str]:
        """The settings that point at a real server, as an operator would write them."""
        chosen = [
            f"{PREFIX}DNS_BACKEND={self.dns_backend}" if self.dns_backend != "simulated" else "",
            f"{PREFIX}MYSQL_BACKEND={self.mysql_backend}" if self.mysql_backend != "simulated" else "",
            f"{PREFIX}WEB_BACKEND={self.web_backend}" if self.web_backend != "simulated" else "",
            f"{PREFIX}MAIL_BACKEND={self.mail_backend}" if self.mail_backend != "simulated" else "",
            f"{PREFIX}ACME_DIRECTORY_URL" if self.acme_directory_url else "",
        ]
        return [name for name in chosen if name]

    def _check_sandbox(self) -> None:
        """The sandbox rewrites time, fails jobs and wipes data on reset: never on real servers.

        Its clock and job faults live in the process that runs the jobs, so jobs must run
        inside ``serve`` (the embedded runner), never in workers that would not see them.
        """
        if not self.sandbox:
            return
        real = self.real_backends()
        if real:
            raise SettingsError(
                f"{PREFIX}SANDBOX=true cannot be used with a real backend ({', '.join(real)}): "
                "the sandbox resets data and moves time; use it with the simulated backends only"
            )
        if self.job_runner != "embedded":
            raise SettingsError(
                f"{PREFIX}SANDBOX=true needs {PREFIX}JOB_RUNNER=embedded (got {self.job_runner}): "
                "the sandbox's clock, job modes and job faults act in the process that runs the jobs"
            )

    def _check_backends(self) -> None:
        """Each real backend needs its connection settings; name the missing one."""
        needed: dict[str, tuple[str, dict[str, object]]] = {
            "powerdns": (
                self.dns_backend,
                {"POWERDNS_URL": self.powerdns_url, "POWERDNS_API_KEY": self.powerdns_api_key},
            ),
            "mariadb": (self.mysql_backend, {"MARIADB_URL": self.mariadb_url}),
            "nginx": (self.web_backend, {"WEB_ROOT": self.web_root, "NGINX_CONF_DIR": self.nginx_conf_dir}),
            "dovecot": (self.mail_backend, {"DOVECOT_PASSWD_FILE": self.dovecot_passwd_file}),
        }
        for backend, (chosen, values) in needed.items():
            missing = [name for name, value in values.items() if value is None]
            if chosen == backend and missing:
                raise SettingsError(
                    f"the {backend} backend needs {', '.join(PREFIX + name for name in missing)}"
                )


def _sandbox_token(raw: str | None) -> str | None:
    if raw is not None and len(raw) < 16:
        raise SettingsError(f"{PREFIX}SANDBOX_TOKEN: use at least 16 characters (it guards /sandbox/...)")
    return raw


def _integer(raw: str | None, name: str, default: int, minimum: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}: must be at least {minimum}, got {value}")
    return value


def _number(raw: str | None, name: str, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: expected a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 86_400:
        raise SettingsError(f"{PREFIX}{name}: must be between 0 and 86400 seconds, got {raw}")
    return value


def _timeout(raw: str | None, name: str, default: float) -> float:
    value = _number(raw, name, default)
    if value <= 0:
        raise SettingsError(f"{PREFIX}{name}: must be more than 0 seconds, got {raw}")
    return value


def _networks(raw: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    if raw is None:
        return ()
    networks = []
    for part in raw.replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise SettingsError(
                f"{PREFIX}TRUSTED_PROXIES: {part.strip()!r} is not an IP address or CIDR"
            ) from None
    return tuple(networks)


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _tlds(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_REGISTRY_TLDS
    tlds = tuple(t.strip().lower().strip(".") for t in raw.split(",") if t.strip())
    bad = [t for t in tlds if not re.fullmatch(r"([a-z0-9-]{1,63}\.)*[a-z]{2,63}|xn--[a-z0-9-]{1,59}", t)]
    if bad or not tlds:
        raise SettingsError(f"{PREFIX}REGISTRY_TLDS: expected TLDs such as be,com,co.uk; got {raw!r}")
    return tlds


def _domain_list(raw: str | None, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    names = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    bad = [h for h in names if not _HOST.match(h)]
    if bad:
        raise SettingsError(f"{PREFIX}{name}: not domain names: {', '.join(bad)}")
    return names


def _transfers(raw: str | None) -> tuple[tuple[str, str], ...]:
    """``name=code,name=code``: the names that can be transferred in and their auth codes."""
    if raw is None:
        return DEFAULT_REGISTRY_TRANSFERS
    pairs = []
    for part in (p.strip() for p in raw.split(",")):
        name, sep, code = part.partition("=")
        name = name.strip().lower().rstrip(".")
        if not part:
            continue
        if not sep or not code.strip() or not _HOST.match(name):
            raise SettingsError(f"{PREFIX}REGISTRY_TRANSFERS: expected name=authcode pairs, got {part!r}")
        pairs.append((name, code.strip()))
    return tuple(pairs)


def _name_servers(raw: str | None) -> tuple[tuple[str, str], ...]:
    """``ns1.example.net=192.0.2.53,ns2.example.net`` -> ((host, address or ""), ...)."""
    if raw is None:
        return tuple((host, dict(DEFAULT_NAME_SERVER_IPS).get(host, "")) for host in DEFAULT_NAME_SERVERS)
    refused = SettingsError(
        f"{PREFIX}NAME_SERVERS: expected at least two host names (each optionally =address), "
        f"comma separated, such as ns1.example.net=192.0.2.53,ns2.example.net; got {raw!r}"
    )
    pairs = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        host, _, address = part.partition("=")
        host = host.strip().lower().rstrip(".")
        if not _HOST.match(host):
            raise refused
        try:
            pairs.append((host, str(ipaddress.ip_address(address.strip())) if address.strip() else ""))
        except ValueError:
            raise refused from None
    if len(pairs) < 2:
        raise refused
    return tuple(pairs)


def _redis_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(
            f"{PREFIX}REDIS_URL: expected redis://host:port/db, got {raw.split(':', 1)[0]}:..."
        )
    return raw


_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def _host(raw: str | None, name: str) -> str | None:
    """A host name (``db1.example.net``, ``localhost``, ``db1``) or an IPv4/IPv6 address."""
    if raw is None:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip("[]")))
    except ValueError:
        pass
    host = raw.lower().rstrip(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.split(".")):
        raise SettingsError(f"{PREFIX}{name}: expected a host name or an IP address, got {raw!r}")
    return host


def _either(first: str | None, second: str | None) -> str | None:
    return first if first is not None else second


def _refuse_unknown(env: Mapping[str, str], known: set[str]) -> None:
    """A misspelt variable (``RESELLER_API_DNS_BAKEND``) would silently keep the default: refuse it."""
    for variable in sorted(env):
        if not variable.startswith(PREFIX):
            continue
        name = variable[len(PREFIX) :]
        if not name or name in known or name in NOT_OURS or name.startswith(NOT_OURS_PREFIXES):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {PREFIX}{close[0]}?" if close else " (docs: README.md, Settings)"
        raise SettingsError(f"{variable} is not a setting of reseller-api{hint}")


def _boolean(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{name}: expected true or false, got {raw!r}")


def _ip_address(raw: str | None, name: str, default: str) -> str:
    if raw is None:
        return default
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}: expected an IP address, got {raw!r}") from None


def _choice(raw: str | None, name: str, choices: tuple[str, ...]) -> str:
    if raw is None:
        return choices[0]
    if raw.lower() not in choices:
        raise SettingsError(f"{PREFIX}{name}: expected one of {', '.join(choices)}, got {raw!r}")
    return raw.lower()


def _log_level(raw: str | None) -> str:
    level = (raw or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"{PREFIX}LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {raw!r}")
    return level


def _http_url(raw: str | None, name: str) -> str | None:
    if raw is None:
        return None
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", raw):
        raise SettingsError(f"{PREFIX}{name}: expected an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def _mariadb_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.startswith(("mysql://", "mariadb://")):
        # Never echo the value: it may carry a password.
        raise SettingsError(f"{PREFIX}MARIADB_URL: expected mysql://user[:password]@host[:port]")
    return raw


def _path(raw: str | None) -> Path | None:
    return None if raw is None else Path(raw).expanduser()


def _command(raw: str | None, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    try:
        return tuple(shlex.split(raw))
    except ValueError as exc:
        raise SettingsError(f"{PREFIX}{name}: cannot split {raw!r} into a command: {exc}") from None
