"""Settings.from_env: defaults, validation, database URL normalisation."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

from reseller_api.settings import (
    DEFAULT_AUTH_FAILURE_LIMIT,
    DEFAULT_MYSQL_HOSTNAME,
    DEFAULT_NAME_SERVERS,
    DEFAULT_RATE_LIMIT,
    Settings,
    SettingsError,
    normalise_database_url,
    parse_rate_limit,
)


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("var")
    assert settings.database_url == "sqlite:///var/reseller-api.db"
    assert settings.is_sqlite
    assert settings.rate_limit == DEFAULT_RATE_LIMIT == "1000/minute"
    assert settings.auth_failure_limit == DEFAULT_AUTH_FAILURE_LIMIT == "60/minute"
    assert settings.signature_max_age == 300
    assert settings.job_duration == 1.0
    assert settings.trusted_proxies == ()
    assert settings.secret_key is None
    assert settings.name_servers == DEFAULT_NAME_SERVERS
    assert settings.mysql_hostname == DEFAULT_MYSQL_HOSTNAME
    assert settings.max_body_bytes == 1_048_576
    assert (settings.header_timeout, settings.body_timeout, settings.keep_alive_timeout) == (10, 30, 5)
    assert settings.max_connections == 1000
    assert settings.log_level == "INFO"
    assert settings.secret_key_file == Path("var/secret.key")
    assert settings.bootstrap_file == Path("var/bootstrap-credentials.json")


def test_defaults_match_the_dataclass_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_blank_values_mean_the_default() -> None:
    env = {f"RESELLER_API_{name}": "  " for name in ("RATE_LIMIT", "SIGNATURE_MAX_AGE", "DATA_DIR")}
    assert Settings.from_env(env) == Settings()


def test_other_variables_are_ignored() -> None:
    assert Settings.from_env({"RATE_LIMIT": "banana", "RESELLER_API": "x"}) == Settings()


def test_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "RESELLER_API_DATA_DIR": "/srv/reseller",
            "RESELLER_API_RATE_LIMIT": " 10/second ",
            "RESELLER_API_AUTH_FAILURE_LIMIT": "5 per minute",
            "RESELLER_API_SIGNATURE_MAX_AGE": "60",
            "RESELLER_API_JOB_DURATION": "0.25",
            "RESELLER_API_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1; ::1",
            "RESELLER_API_SECRET_KEY": "k",
            "RESELLER_API_NAME_SERVERS": "NS1.Example.com., ns2.example.com",
            "RESELLER_API_MYSQL_HOSTNAME": "db.example.com",
            "RESELLER_API_MAX_BODY_BYTES": "2048",
            "RESELLER_API_LOG_LEVEL": "debug",
            "RESELLER_API_HEADER_TIMEOUT": "2.5",
            "RESELLER_API_BODY_TIMEOUT": "20",
            "RESELLER_API_KEEP_ALIVE_TIMEOUT": "75",
            "RESELLER_API_MAX_CONNECTIONS": "64",
        }
    )
    assert settings.data_dir == Path("/srv/reseller")
    assert settings.database_url == "sqlite:////srv/reseller/reseller-api.db"
    assert settings.rate_limit == "10/second"
    assert settings.auth_failure_limit == "5 per minute"
    assert settings.signature_max_age == 60
    assert settings.job_duration == 0.25
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.1/32"),
        ipaddress.ip_network("::1/128"),
    )
    assert settings.secret_key == "k"
    assert settings.name_servers == ("ns1.example.com", "ns2.example.com")
    assert settings.mysql_hostname == "db.example.com"
    assert settings.max_body_bytes == 2048
    assert settings.log_level == "DEBUG"
    assert (settings.header_timeout, settings.body_timeout, settings.keep_alive_timeout) == (2.5, 20, 75)
    assert settings.max_connections == 64
    assert settings.secret_key_file == Path("/srv/reseller/secret.key")


def test_trusted_proxy_host_bits_are_tolerated() -> None:
    settings = Settings.from_env({"RESELLER_API_TRUSTED_PROXIES": "10.1.2.3/8"})
    assert settings.trusted_proxies == (ipaddress.ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("postgresql://u:p@db:5432/api", "postgresql+psycopg://u:p@db:5432/api"),
        ("postgres://u@db/api", "postgresql+psycopg://u@db/api"),
        ("postgresql+psycopg://u@db/api", "postgresql+psycopg://u@db/api"),
        ("sqlite:///var/x.db", "sqlite:///var/x.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("sqlite+pysqlite:///x.db", "sqlite+pysqlite:///x.db"),
    ],
)
def test_database_urls(url: str, normalised: str) -> None:
    settings = Settings.from_env({"RESELLER_API_DATABASE_URL": url})
    assert settings.database_url == normalised
    assert normalise_database_url(url) == normalised
    assert settings.is_sqlite == normalised.startswith("sqlite")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT", "banana"),
        ("RATE_LIMIT", "1000"),
        ("RATE_LIMIT", "0/minute"),
        ("RATE_LIMIT", "10/fortnight"),
        ("RATE_LIMIT", "-5/minute"),
        ("RATE_LIMIT", "1000/minute;10/second"),
        ("AUTH_FAILURE_LIMIT", "banana"),
        ("AUTH_FAILURE_LIMIT", "0/minute"),
        ("SIGNATURE_MAX_AGE", "-1"),
        ("SIGNATURE_MAX_AGE", "0"),
        ("SIGNATURE_MAX_AGE", "abc"),
        ("SIGNATURE_MAX_AGE", "1.5"),
        ("JOB_DURATION", "-1"),
        ("JOB_DURATION", "abc"),
        ("JOB_DURATION", "86401"),
        ("JOB_DURATION", "nan"),
        ("JOB_DURATION", "inf"),
        ("TRUSTED_PROXIES", "nonsense"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, nonsense"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "sqlite://relative.db"),
        ("DATABASE_URL", "var/reseller.db"),
        ("NAME_SERVERS", "ns1.example.com"),
        ("NAME_SERVERS", "ns1.example.com, not a host"),
        ("MAX_BODY_BYTES", "100"),
        ("MAX_BODY_BYTES", "lots"),
        ("LOG_LEVEL", "verbose"),
        ("HEADER_TIMEOUT", "0"),
        ("BODY_TIMEOUT", "-1"),
        ("KEEP_ALIVE_TIMEOUT", "forever"),
        ("KEEP_ALIVE_TIMEOUT", "inf"),
        ("MAX_CONNECTIONS", "0"),
        ("MAX_CONNECTIONS", "many"),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({f"RESELLER_API_{name}": value})
    message = str(raised.value)
    assert f"RESELLER_API_{name}" in message
    assert "\n" not in message


def test_a_bad_database_url_does_not_echo_credentials() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"RESELLER_API_DATABASE_URL": "mysql://root:hunter2@db/x"})
    assert "hunter2" not in str(raised.value)
    assert "mysql://" in str(raised.value)


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize("value", ["1000/minute", "10/second", "5 per hour", "1/day", "100/2 minutes"])
def test_parse_rate_limit_accepts(value: str) -> None:
    assert parse_rate_limit(value).amount >= 1


def test_parse_rate_limit_names_what_it_parses() -> None:
    with pytest.raises(SettingsError, match=r"^my limit: "):
        parse_rate_limit("banana", "my limit")


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("RESELLER_API_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RESELLER_API_SIGNATURE_MAX_AGE", "42")
    assert Settings.from_env().signature_max_age == 42
    monkeypatch.setenv("RESELLER_API_SIGNATURE_MAX_AGE", "-1")
    with pytest.raises(SettingsError, match="RESELLER_API_SIGNATURE_MAX_AGE"):
        Settings.from_env()


# -- real backends ---------------------------------------------------------------------------


def test_backends_default_to_simulated() -> None:
    settings = Settings.from_env({})
    chosen = (settings.dns_backend, settings.mysql_backend, settings.web_backend, settings.mail_backend)
    assert chosen == ("simulated",) * 4


def test_real_backends_are_read() -> None:
    settings = Settings.from_env(
        {
            "RESELLER_API_DNS_BACKEND": "PowerDNS",
            "RESELLER_API_POWERDNS_URL": "http://127.0.0.1:8081/",
            "RESELLER_API_POWERDNS_API_KEY": "pdns-secret",
            "RESELLER_API_MYSQL_BACKEND": "mariadb",
            "RESELLER_API_MARIADB_URL": "mysql://provisioner:db-secret@127.0.0.1:3306",
            "RESELLER_API_MARIADB_HOSTNAME": "MySQL.Example.com",
            "RESELLER_API_WEB_BACKEND": "nginx",
            "RESELLER_API_WEB_ROOT": "/srv/www",
            "RESELLER_API_NGINX_CONF_DIR": "/etc/nginx/reseller-api",
            "RESELLER_API_NGINX_RELOAD_COMMAND": "sudo systemctl reload 'nginx.service'",
            "RESELLER_API_MAIL_BACKEND": "dovecot",
            "RESELLER_API_DOVECOT_PASSWD_FILE": "/etc/dovecot/users",
        }
    )
    assert settings.dns_backend == "powerdns"
    assert settings.powerdns_url == "http://127.0.0.1:8081"
    assert settings.mysql_backend == "mariadb"
    assert settings.mysql_hostname == "mysql.example.com"
    assert settings.web_root == Path("/srv/www")
    assert settings.nginx_conf_dir == Path("/etc/nginx/reseller-api")
    assert settings.nginx_reload_command == ("sudo", "systemctl", "reload", "nginx.service")
    assert settings.dovecot_passwd_file == Path("/etc/dovecot/users")
    # Secrets never appear in a repr (and so never in a log line that prints the settings).
    assert "pdns-secret" not in repr(settings)
    assert "db-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DNS_BACKEND": "powerdns"}, "RESELLER_API_POWERDNS_URL, RESELLER_API_POWERDNS_API_KEY"),
        (
            {"DNS_BACKEND": "powerdns", "POWERDNS_URL": "http://127.0.0.1:8081"},
            "RESELLER_API_POWERDNS_API_KEY",
        ),
        ({"MYSQL_BACKEND": "mariadb"}, "RESELLER_API_MARIADB_URL"),
        ({"WEB_BACKEND": "nginx", "WEB_ROOT": "/srv/www"}, "RESELLER_API_NGINX_CONF_DIR"),
        ({"MAIL_BACKEND": "dovecot"}, "RESELLER_API_DOVECOT_PASSWD_FILE"),
    ],
)
def test_a_real_backend_names_its_missing_settings(env: dict[str, str], missing: str) -> None:
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env({f"RESELLER_API_{name}": value for name, value in env.items()})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DNS_BACKEND", "bind"),
        ("MYSQL_BACKEND", "postgres"),
        ("WEB_BACKEND", "apache"),
        ("MAIL_BACKEND", "exim"),
        ("POWERDNS_URL", "127.0.0.1:8081"),
        ("ACME_DIRECTORY_URL", "ftp://acme"),
        ("CERTIFICATE_ISSUER", "letsencrypt"),
        ("NGINX_RELOAD_COMMAND", "nginx -s 'reload"),
        ("MARIADB_HOSTNAME", "not a host"),
    ],
)
def test_invalid_backend_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"RESELLER_API_{name}"):
        Settings.from_env({f"RESELLER_API_{name}": value})


def test_the_acme_certificate_issuer_needs_an_acme_directory() -> None:
    assert Settings.from_env({}).certificate_issuer == "internal"
    with pytest.raises(
        SettingsError, match=r"CERTIFICATE_ISSUER=acme needs an ACME directory.*ACME_DIRECTORY_URL"
    ):
        Settings.from_env({"RESELLER_API_CERTIFICATE_ISSUER": "acme"})
    chosen = Settings.from_env(
        {
            "RESELLER_API_CERTIFICATE_ISSUER": "ACME",
            "RESELLER_API_ACME_DIRECTORY_URL": "https://acme-staging-v02.api.letsencrypt.org/directory",
        }
    )
    assert chosen.certificate_issuer == "acme"


def test_a_bad_mariadb_url_does_not_echo_its_password() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"RESELLER_API_MARIADB_URL": "postgres://root:hunter2@db"})
    assert "hunter2" not in str(raised.value)


# -- issue 17: unknown variables, host names, log settings ------------------------------------


@pytest.mark.parametrize(
    ("variable", "suggestion"),
    [
        ("RESELLER_API_DNS_BAKEND", "RESELLER_API_DNS_BACKEND"),
        ("RESELLER_API_SECRETKEY", "RESELLER_API_SECRET_KEY"),
        ("RESELLER_API_REDIS_ULR", "RESELLER_API_REDIS_URL"),
        ("RESELLER_API_ACCESSLOG", "RESELLER_API_ACCESS_LOG"),
    ],
)
def test_a_misspelt_variable_stops_start_up_with_the_closest_name(variable: str, suggestion: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: "powerdns"})
    message = str(raised.value)
    assert message == f"{variable} is not a setting of reseller-api; did you mean {suggestion}?"


def test_an_unknown_variable_without_a_close_name_is_refused_too() -> None:
    with pytest.raises(SettingsError, match="RESELLER_API_ZZZZ is not a setting of reseller-api"):
        Settings.from_env({"RESELLER_API_ZZZZ": "1"})


def test_the_variables_of_resellerctl_and_the_test_suite_are_not_refused() -> None:
    env = {
        "RESELLER_API_URL": "http://127.0.0.1:8000",
        "RESELLER_API_KEY": "k",
        "RESELLER_API_SECRET": "s",
        "RESELLER_API_REQUIRE_REAL_SERVERS": "1",
        "RESELLER_API_TEST_REDIS_URL": "redis://127.0.0.1/1",
    }
    assert Settings.from_env(env) == Settings()


def test_every_documented_variable_is_known() -> None:
    """The README's settings table and docs/ name only variables the program reads."""
    import re

    root = Path(__file__).resolve().parents[2]
    text = "\n".join(p.read_text() for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))])
    # RESELLER_API_REGISTRY_* is a family; DNS_BAKEND is the README's example of a misspelling.
    names = set(re.findall(r"RESELLER_API_[A-Z0-9_]*[A-Z0-9]", text))
    names -= {"RESELLER_API_REGISTRY", "RESELLER_API_DNS_BAKEND"}
    unknown = []
    for name in sorted(names):
        try:
            Settings.from_env({name: "x"})
        except SettingsError as exc:
            if "is not a setting" in str(exc):
                unknown.append(name)
    assert unknown == []


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "10.1.2.3", "::1", "[2001:db8::5]", "db1", "DB.Example.NET."]
)
def test_mariadb_hostname_and_ssh_host_accept_addresses_and_local_names(host: str) -> None:
    settings = Settings.from_env({"RESELLER_API_MARIADB_HOSTNAME": host, "RESELLER_API_SSH_HOST": host})
    expected = host.strip("[]").lower().rstrip(".")
    assert settings.mysql_hostname == settings.ssh_host == expected


@pytest.mark.parametrize("host", ["not a host", "-db", "db_1.example.com", "a" * 64 + ".com", "x..y"])
def test_bad_host_names_are_refused(host: str) -> None:
    for name in ("MARIADB_HOSTNAME", "SSH_HOST"):
        with pytest.raises(
            SettingsError, match=f"RESELLER_API_{name}: expected a host name or an IP address"
        ):
            Settings.from_env({f"RESELLER_API_{name}": host})


def test_log_format_and_access_log() -> None:
    assert (Settings().log_format, Settings().access_log) == ("text", False)
    settings = Settings.from_env({"RESELLER_API_LOG_FORMAT": "JSON", "RESELLER_API_ACCESS_LOG": "true"})
    assert (settings.log_format, settings.access_log) == ("json", True)
    assert not Settings.from_env({"RESELLER_API_ACCESS_LOG": "off"}).access_log
    with pytest.raises(SettingsError, match="RESELLER_API_LOG_FORMAT: expected one of text, json"):
        Settings.from_env({"RESELLER_API_LOG_FORMAT": "xml"})
    with pytest.raises(SettingsError, match="RESELLER_API_ACCESS_LOG: expected true or false"):
        Settings.from_env({"RESELLER_API_ACCESS_LOG": "maybe"})


def test_the_connection_cap_fits_the_open_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a connection needs is a file descriptor: the cap never promises more than exist."""
    import resource

    from reseller_api.cli import connections

    limits: dict[str, tuple[int, int]] = {"nofile": (256, 256)}

    def setrlimit(_: int, value: tuple[int, int]) -> None:
        if value[0] > limits["nofile"][1]:
            raise ValueError("not allowed")
        limits["nofile"] = value

    monkeypatch.setattr(resource, "getrlimit", lambda _: limits["nofile"])
    monkeypatch.setattr(resource, "setrlimit", setrlimit)
    fitted = connections.fit_file_limit(connections.ConnectionLimits(max_connections=1000))
    assert fitted.max_connections == 256 - connections.RESERVED_FILES
    # Room under the hard limit is taken.
    limits["nofile"] = (1024, 4096)
    assert (
        connections.fit_file_limit(connections.ConnectionLimits(max_connections=1000)).max_connections == 1000
    )
    assert limits["nofile"] == (1000 + connections.RESERVED_FILES, 4096)
