"""One typed settings object, read once from ``RESELLER_API_*`` environment variables.

Every value is validated here so that a typo stops the process at start-up with a
one-line message, instead of surfacing later as a confusing runtime failure.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from limits import RateLimitItem, parse

PREFIX = "RESELLER_API_"
DEFAULT_RATE_LIMIT = "1000/minute"
DEFAULT_AUTH_FAILURE_LIMIT = "60/minute"
DEFAULT_NAME_SERVERS = ("ns1.reseller-api.test", "ns2.reseller-api.test")
DEFAULT_MYSQL_HOSTNAME = "mysql.reseller-api.test"


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
    mysql_hostname: str = DEFAULT_MYSQL_HOSTNAME
    max_body_bytes: int = 1_048_576
    # "embedded": jobs run inside `serve`; "worker": `serve` runs none, `reseller-api worker` does.
    job_runner: str = "embedded"
    log_level: str = "INFO"

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

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() else None

        data_dir = Path(get("DATA_DIR") or "var")
        url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'reseller-api.db'}"
        rate_limit = get("RATE_LIMIT") or DEFAULT_RATE_LIMIT
        parse_rate_limit(rate_limit, "RESELLER_API_RATE_LIMIT")
        auth_failure_limit = get("AUTH_FAILURE_LIMIT") or DEFAULT_AUTH_FAILURE_LIMIT
        parse_rate_limit(auth_failure_limit, "RESELLER_API_AUTH_FAILURE_LIMIT")
        return cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            rate_limit=rate_limit,
            auth_failure_limit=auth_failure_limit,
            signature_max_age=_integer(get("SIGNATURE_MAX_AGE"), "SIGNATURE_MAX_AGE", 300, 1),
            job_duration=_number(get("JOB_DURATION"), "JOB_DURATION", 1.0),
            trusted_proxies=_networks(get("TRUSTED_PROXIES")),
            secret_key=get("SECRET_KEY"),
            name_servers=_host_list(get("NAME_SERVERS"), DEFAULT_NAME_SERVERS),
            mysql_hostname=get("MYSQL_HOSTNAME") or DEFAULT_MYSQL_HOSTNAME,
            max_body_bytes=_integer(get("MAX_BODY_BYTES"), "MAX_BODY_BYTES", 1_048_576, 1024),
            log_level=_log_level(get("LOG_LEVEL")),
            job_runner=_choice(get("JOB_RUNNER"), "JOB_RUNNER", ("embedded", "worker")),
        )


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


def _host_list(raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    hosts = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    bad = [h for h in hosts if not _HOST.match(h)]
    if bad or len(hosts) < 2:
        raise SettingsError(
            f"{PREFIX}NAME_SERVERS: expected at least two host names, comma separated; got {raw!r}"
        )
    return hosts


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
