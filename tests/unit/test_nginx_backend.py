"""The nginx backend's pure parts: rendering, name and path checks, file transactions, commands.

The last tests drive :class:`NginxHosting` with ``true``/``false`` as the test and reload
commands, so they need no nginx; tests/integration/test_backend_nginx.py runs the real ones.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
from pathlib import Path
from typing import Any

import pytest

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.nginx import commands, render
from reseller_api.backends.nginx.files import Change
from reseller_api.backends.nginx.hosting import NginxHosting
from reseller_api.backends.nginx.layout import Owner, host_name, inside, resolved_inside
from reseller_api.settings import Settings, SettingsError

# Running as root, the backend refuses to run PHP as root: the tests name another user.
WEB_USER = "www-data" if os.getuid() == 0 else None

ROOT = Path("/srv/www/example.com")
LISTEN = render.Listen(("80",), ("443",), http2_in_listen=True)
CERT = render.Certificate("/c/full.pem", "/c/key.pem", self_signed=True, note="Self-signed: no ACME")


def site(**header: Any) -> dict[str, Any]:
    main = {"name": "example.com", "enabled": True, "letsencrypt": False, "auto_redirect": False}
    return {"path": "/www", "http2_enabled": False, "host_headers": [{**main, **header}]}


def render_site(spec: dict[str, Any], *, gzip: bool = True, listen: render.Listen = LISTEN, **kw: Any) -> str:
    return render.site_conf(
        domain="example.com",
        site="example.com",
        spec=spec,
        hosting_root=ROOT,
        socket=Path("/run/php/example.com-php8.2.sock"),
        gzip=gzip,
        listen=listen,
        certificates=kw.get("certificates", {}),
        challenge_dir=kw.get("challenge_dir"),
    )


@pytest.mark.parametrize(
    "name", ["../etc", "a/b.com", "x;y.com", "EXAMPLE.com", "a b.com", "", "com", "é.be"]
)
def test_hostile_host_names_are_refused(name: str) -> None:
    with pytest.raises(BackendRefused):
        host_name(name)


@pytest.mark.parametrize(
    "path", ["/www/../../etc", "/../x", "/www/$host", "/a;b", "/a{b", "/a b", '/a"b', "/a\nb"]
)
def test_paths_that_escape_or_break_a_config_are_refused(path: str) -> None:
    with pytest.raises(BackendRefused):
        inside(ROOT, path)


def test_paths_stay_inside_the_hosting() -> None:
    assert inside(ROOT, "/subsites//blog.example.com/") == ROOT / "subsites/blog.example.com"
    assert inside(ROOT, "/www/./b") == ROOT / "www/b"
    assert inside(ROOT, "/") == ROOT


def test_a_symlink_out_of_the_hosting_does_not_exist_for_it(tmp_path: Path) -> None:
    root = tmp_path / "example.com"
    (root / "www").mkdir(parents=True)
    (root / "www" / "out").symlink_to(tmp_path)
    (root / "www" / "in").symlink_to(root / "www")
    assert resolved_inside(root, "/www/out") is None
    assert resolved_inside(root, "/www/in") == root / "www"


def test_site_serves_php_with_gzip_and_each_host_header() -> None:
    spec = site()
    spec["host_headers"].append({"name": "www.example.com", "enabled": True})
    spec["host_headers"].append({"name": "off.example.com", "enabled": False})
    text = render_site(spec)
    assert text.count("server {") == 2
    assert "server_name example.com;" in text
    assert "server_name www.example.com;" in text
    assert "off.example.com;" not in text
    assert f"root {ROOT}/www;" in text
    assert "fastcgi_pass unix:/run/php/example.com-php8.2.sock;" in text
    assert "gzip on;" in text
    assert "ssl" not in text
    assert "gzip off;" in render_site(spec, gzip=False)


def test_https_redirect_and_http2() -> None:
    spec = site(letsencrypt=True, auto_redirect=True)
    spec["http2_enabled"] = True
    text = render_site(spec, certificates={"example.com": CERT})
    assert "listen 443 ssl http2;" in text
    assert "ssl_certificate /c/full.pem;" in text
    assert "ssl_certificate_key /c/key.pem;" in text
    assert "return 301 https://$host$request_uri;" in text
    newer = render_site(
        spec, certificates={"example.com": CERT}, listen=render.Listen(("8080",), ("127.0.0.1:8443",), False)
    )
    assert "listen 127.0.0.1:8443 ssl;" in newer
    assert "http2 on;" in newer
    assert "return 301 https://$host:8443$request_uri;" in newer


def test_http2_and_redirect_asked_before_lets_encrypt_wait_for_a_certificate() -> None:
    """The API accepts both at any time; nginx serves them only where a certificate is."""
    spec = site(letsencrypt=False, auto_redirect=True)
    spec["http2_enabled"] = True
    text = render_site(spec, certificates={"example.com": CERT})  # a certificate it no longer wants
    assert "ssl" not in text
    assert "http2" not in text
    assert "return 301" not in text


def test_lets_encrypt_without_a_certificate_yet_serves_http_and_the_challenge() -> None:
    text = render_site(site(letsencrypt=True, auto_redirect=True), challenge_dir=Path("/var/acme"))
    assert "ssl" not in text
    assert "return 301" not in text
    assert "location ^~ /.well-known/acme-challenge/" in text
    assert "alias /var/acme/;" in text


def test_listen_addresses_are_checked() -> None:
    with pytest.raises(ValueError, match="listen"):
        render.Listen(("80; include /etc/passwd",), ())


def test_pool() -> None:
    owner = Owner("www-data", "www-data", 33, 33)
    text = render.pool_conf(
        domain="example.com",
        version="8.2",
        hosting_root=ROOT,
        socket=Path("/run/php/example.com-php8.2.sock"),
        owner=owner,
        memory_limit_mb=256,
        apcu_enabled=True,
    )
    assert "[example.com]" in text
    assert "user = www-data" in text
    assert "listen.owner = www-data" in text
    assert "php_admin_value[memory_limit] = 256M" in text
    assert "php_admin_flag[apc.enabled] = on" in text
    assert f"php_admin_value[open_basedir] = {ROOT}/:" in text
    unowned = render.pool_conf(
        domain="example.com",
        version="8.2",
        hosting_root=ROOT,
        socket=Path("/s.sock"),
        owner=Owner("me", "me", None, None),
        memory_limit_mb=128,
        apcu_enabled=False,
    )
    # Always written: without them the pool would run as whoever starts PHP-FPM (root).
    assert "\nuser = me\ngroup = me\n" in unowned
    assert "listen.owner = me\nlisten.group = me\nlisten.mode = 0660\n" in unowned
    assert (
        "php_admin_value[disable_functions] = exec,passthru,shell_exec,system,proc_open,popen,pcntl_exec\n"
        in unowned
    )
    assert "apc.enabled] = off" in unowned
    with pytest.raises(BackendRefused):
        render.pool_conf(
            domain="example.com",
            version="8.2",
            hosting_root=ROOT,
            socket=Path("/s.sock"),
            owner=owner,
            memory_limit_mb=1,
            apcu_enabled=False,
        )


def test_crontab() -> None:
    entries = [
        {"id": "a", "cron_expression": "*/5 * * * *", "script_location": "/www/cron.php", "enabled": True},
        {"id": "b", "cron_expression": "0 3 * * 1", "script_location": "/bin/job.sh", "enabled": False},
    ]
    text = render.crontab(
        domain="example.com", user="www-data", hosting_root=ROOT, php="/usr/bin/php8.2", entries=entries
    )
    assert f"*/5 * * * * www-data cd {ROOT} && /usr/bin/php8.2 -f {ROOT}/www/cron.php\n" in text
    assert f"# disabled: 0 3 * * 1 www-data cd {ROOT} && {ROOT}/bin/job.sh\n" in text
    for bad in ({"cron_expression": "* * * * * rm"}, {"script_location": "/www/../../etc/x"}):
        with pytest.raises(BackendRefused):
            render.crontab(
                domain="example.com", user="u", hosting_root=ROOT, php="php", entries=[{**entries[0], **bad}]
            )


def test_authorized_keys_are_one_line_each() -> None:
    assert render.authorized_keys(["ssh-ed25519 AAAA a@b "]) == "ssh-ed25519 AAAA a@b\n"
    with pytest.raises(BackendRefused):
        render.authorized_keys(["ssh-ed25519 AAAA\nssh-rsa BBBB evil"])


def test_a_change_the_test_refuses_is_undone(tmp_path: Path) -> None:
    kept, new = tmp_path / "kept.conf", tmp_path / "new.conf"
    kept.write_text("old")
    change = Change()
    change.write(kept, "changed")
    change.write(new, "fresh")

    def refuse() -> None:
        raise BackendRefused("nope")

    with pytest.raises(BackendRefused):
        change.apply(refuse)
    assert kept.read_text() == "old"
    assert not new.exists()
    assert change.apply(lambda: None) is True
    assert change.apply(refuse) is False  # nothing changed: no test, nothing to refuse
    change.undo()
    assert kept.read_text() == "changed"


def test_commands_say_refused_or_unavailable() -> None:
    commands.test(("true",), "nginx")
    with pytest.raises(BackendRefused, match=r"\[emerg\] bad directive"):
        commands.test(("sh", "-c", "echo 'nginx: [emerg] bad directive' >&2; exit 1"), "nginx")
    with pytest.raises(BackendUnavailable, match="could not be reloaded"):
        commands.reload(("false",), "nginx")
    with pytest.raises(BackendUnavailable, match="not installed"):
        commands.reload(("/nonexistent/nginx", "-s", "reload"), "nginx")


# -- NginxHosting with stand-in commands ---------------------------------------------------


class FakeIssuer:
    challenge_dir = None

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.removed = tmp, []

    def ensure(self, names: list[str]) -> Any:
        @dataclasses.dataclass
        class Issued:
            fullchain: Path
            private_key: Path
            self_signed: bool = True
            note: str = "Self-signed: no ACME server"

        return Issued(self.tmp / f"{names[0]}.pem", self.tmp / f"{names[0]}.key")

    def remove(self, names: list[str]) -> None:
        self.removed.extend(names)


@pytest.fixture
def hosting(tmp_path: Path) -> NginxHosting:
    settings = dataclasses.replace(
        Settings(),
        web_backend="nginx",
        web_root=tmp_path / "www",
        nginx_conf_dir=tmp_path / "conf",
        nginx_test_command=("true",),
        nginx_reload_command=("true",),
        php_fpm_pool_dir=tmp_path / "pools",
        php_fpm_socket_dir=tmp_path / "run",
        php_fpm_test_command=("true",),
        web_user=WEB_USER,
    )
    backend = NginxHosting(settings, issuer=FakeIssuer(tmp_path))
    backend.php_versions = lambda: ("8.2",)  # type: ignore[method-assign]
    return backend


def test_hosting_tree_site_pool_and_removal(hosting: NginxHosting, tmp_path: Path) -> None:
    hosting.ensure_hosting("example.com", "ftpuser", "$argon2id$...")
    root = tmp_path / "www" / "example.com"
    assert {p.name for p in root.iterdir()} == {"www", "subsites", "logs", "tmp", ".ssh"}
    assert (tmp_path / "conf" / "sites" / "example.com@example.com.conf").exists()
    assert "memory_limit] = 128M" in (tmp_path / "pools" / "example.com.conf").read_text()
    assert "argon2" not in "".join(p.read_text() for p in (tmp_path / "conf").rglob("*") if p.is_file())
    assert hosting.path_exists("example.com", "/www")
    assert not hosting.path_exists("example.com", "/subsites/nothing")
    with pytest.raises(BackendRefused):
        hosting.path_exists("example.com", "/www/../../..")

    hosting.ensure_site("example.com", "example.com", site(letsencrypt=True))
    assert hosting.certificate_notes("example.com") == {"example.com": "Self-signed: no ACME server"}
    assert "listen 443 ssl" in (tmp_path / "conf" / "sites" / "example.com@example.com.conf").read_text()
    hosting.ensure_site("example.com", "example.com", site())
    assert hosting.certificate_notes("example.com") == {}

    hosting.remove_hosting("example.com")
    assert not root.exists()
    assert [p.name.split(".")[0] for p in (tmp_path / "www" / ".removed").iterdir()] == ["example"]
    assert not (tmp_path / "conf" / "sites" / "example.com@example.com.conf").exists()
    assert not (tmp_path / "pools" / "example.com.conf").exists()
    hosting.remove_hosting("example.com")  # idempotent


def test_with_the_acme_request_issuer_every_host_name_serves_the_challenge(
    hosting: NginxHosting, tmp_path: Path
) -> None:
    # A customer's certificate request may name any hosted name, Let's Encrypt or not.
    hosting.settings = dataclasses.replace(
        hosting.settings, certificate_issuer="acme", acme_directory_url="https://acme.test/dir"
    )
    hosting._issuer = None  # built from the settings: the ACME one, with its challenge directory
    hosting.ensure_hosting("example.com", "ftpuser", "$argon2id$...")
    hosting.ensure_site("example.com", "example.com", site())
    text = (tmp_path / "conf" / "sites" / "example.com@example.com.conf").read_text()
    assert f"alias {tmp_path / 'conf' / 'acme-challenges'}/;" in text
    assert "listen 443" not in text


def test_a_failed_reload_puts_the_files_back(hosting: NginxHosting, tmp_path: Path) -> None:
    hosting.ensure_hosting("example.com", "u", "h")
    live = (tmp_path / "conf" / "sites" / "example.com@example.com.conf").read_text()
    hosting.settings = dataclasses.replace(hosting.settings, nginx_reload_command=("false",))
    with pytest.raises(BackendUnavailable):
        hosting.set_settings("example.com", {"gzip_enabled": False})
    assert (tmp_path / "conf" / "sites" / "example.com@example.com.conf").read_text() == live
    hosting.settings = dataclasses.replace(hosting.settings, nginx_reload_command=("true",))
    hosting.set_settings("example.com", {"gzip_enabled": False})
    assert "gzip off;" in (tmp_path / "conf" / "sites" / "example.com@example.com.conf").read_text()


def test_crontab_escapes_percent() -> None:
    """cron turns an unescaped "%" into a newline: the command would be cut there."""
    entry = {"id": "a", "cron_expression": "* * * * *", "script_location": "/www/a%b.sh", "enabled": True}
    text = render.crontab(domain="example.com", user="u", hosting_root=ROOT, php="php", entries=[entry])
    assert f"&& {ROOT}/www/a\\%b.sh\n" in text
    assert "a%b" not in text.replace("\\%", "")


def test_site_refuses_symlinks_and_private_folders() -> None:
    text = render_site(site())
    assert f"disable_symlinks on from={ROOT};" in text
    assert "disable_symlinks if_not_owner" not in text
    for path in ("/", "/logs", "/tmp/x", "/.ssh", "//logs"):
        with pytest.raises(BackendRefused, match="logs, sessions or SSH keys"):
            render_site({**site(), "path": path})


def test_certificate_paths_are_checked() -> None:
    bad = render.Certificate("/c/full.pem;include /etc/x", "/c/key.pem", self_signed=True, note="")
    with pytest.raises(BackendRefused):
        render_site(site(letsencrypt=True), certificates={"example.com": bad})


def test_php_fpm_test_command_defaults_to_the_pools_version() -> None:
    assert Settings().php_fpm_test_command == ("php-fpm{version}", "-t")
    assert Settings.from_env({}).php_fpm_test_command == ("php-fpm{version}", "-t")
    assert Settings.from_env({"RESELLER_API_PHP_FPM_TEST_COMMAND": "true"}).php_fpm_test_command == ("true",)


def test_root_as_web_user_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = dataclasses.replace(
        Settings(), web_backend="nginx", web_root=tmp_path / "www", nginx_conf_dir=tmp_path / "conf"
    )
    for web_user in ("root", "root:root", "nobody:root"):
        with pytest.raises(SettingsError, match="RESELLER_API_WEB_USER must name a non-root user"):
            NginxHosting(dataclasses.replace(base, web_user=web_user), issuer=FakeIssuer(tmp_path))
    monkeypatch.setattr(os, "getuid", lambda: 0)
    with pytest.raises(SettingsError, match="unset and the server runs as root"):
        NginxHosting(base, issuer=FakeIssuer(tmp_path))
    NginxHosting(dataclasses.replace(base, web_user="nobody:nogroup"), issuer=FakeIssuer(tmp_path))


def test_two_hostings_serving_one_site_name_keep_separate_files(
    hosting: NginxHosting, tmp_path: Path
) -> None:
    """Defence in depth (the API refuses this): one hosting's removal never deletes another's file."""
    sites = tmp_path / "conf" / "sites"
    hosting.ensure_hosting("attacker.com", "u", "h")
    (tmp_path / "www" / "attacker.com" / "subsites" / "victim.com").mkdir()
    attack = {**site(name="victim.com"), "path": "/subsites/victim.com"}
    hosting.ensure_site("attacker.com", "victim.com", attack)
    hosting.ensure_hosting("victim.com", "u", "h")
    victims = sites / "victim.com@victim.com.conf"
    assert "hosting victim.com" in victims.read_text()
    assert "hosting attacker.com" in (sites / "victim.com@attacker.com.conf").read_text()
    hosting.remove_site("attacker.com", "victim.com")
    assert victims.exists()
    hosting.remove_hosting("attacker.com")
    assert victims.exists()
    assert sorted(p.name for p in sites.iterdir()) == ["victim.com@victim.com.conf"]


def test_a_file_of_the_old_naming_is_replaced(hosting: NginxHosting, tmp_path: Path) -> None:
    legacy = tmp_path / "conf" / "sites" / "example.com.conf"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("# old\n")
    hosting.ensure_hosting("example.com", "u", "h")
    assert not legacy.exists()
    assert (tmp_path / "conf" / "sites" / "example.com@example.com.conf").exists()


def test_a_rollback_finishes_every_undo_and_reload(
    hosting: NginxHosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosting.ensure_hosting("example.com", "u", "h")
    pool = tmp_path / "pools" / "example.com.conf"
    live_pool = pool.read_text()
    reloads = tmp_path / "reloads"
    hosting.settings = dataclasses.replace(
        hosting.settings,
        php_fpm_reload_command=("sh", "-c", f"echo fpm >> {reloads}"),
        nginx_reload_command=("false",),
    )
    undo = Change.undo

    def failing_undo(change: Change) -> None:
        if any(path.parent.name == "sites" for path in change._previous):
            raise BackendRefused("disk full")
        undo(change)

    monkeypatch.setattr(Change, "undo", failing_undo)
    # No PHP-FPM runs here: its pool's socket never opens, so do not wait for it.
    monkeypatch.setattr(commands, "wait_for_socket", lambda *args: None)
    with pytest.raises(BackendUnavailable, match="could not be reloaded"):  # the first error
        hosting.set_settings("example.com", {"php_memory_limit": 256, "gzip_enabled": False})
    # The nginx undo failed, yet the pool (undone after it) is back and PHP-FPM reloaded again.
    assert pool.read_text() == live_pool
    assert reloads.read_text() == "fpm\nfpm\n"


def test_a_hosting_removed_twice_in_a_second_keeps_both_copies(hosting: NginxHosting, tmp_path: Path) -> None:
    for _ in range(2):  # well within one second: whole seconds named both copies alike
        hosting.ensure_hosting("example.com", "u", "h")
        hosting.remove_hosting("example.com")
    assert len(list((tmp_path / "www" / ".removed").iterdir())) == 2


def test_waiting_for_a_socket_that_never_opens_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match=r"PHP-FPM 8.2 did not open a\.sock"):
        commands.wait_for_socket(tmp_path / "a.sock", "PHP-FPM 8.2", 0.1)


def test_waiting_for_a_listening_socket_returns(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "b.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen()
        commands.wait_for_socket(path, "PHP-FPM 8.2", 1.0)


def test_after_a_reload_it_waits_on_one_of_our_pools_never_on_the_operators(
    hosting: NginxHosting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosting.ensure_hosting("example.com", "u", "h")
    pools = tmp_path / "pools"
    (pools / "www.conf").write_text("[www]\n")  # Debian's own pool: not ours
    hosting.settings = dataclasses.replace(hosting.settings, php_fpm_reload_command=("true",))
    waited: list[Path] = []
    monkeypatch.setattr(commands, "wait_for_socket", lambda path, *args: waited.append(path))
    hosting.set_settings("example.com", {"php_memory_limit": 256})
    assert [p.name for p in waited] == ["example.com-php8.2.sock"]
    # Its own pool gone (the hosting removed), another of ours whose socket exists is probed.
    hosting.ensure_hosting("other.com", "u", "h")
    other = hosting.layout.socket("other.com", "8.2")
    other.parent.mkdir(parents=True, exist_ok=True)
    other.touch()
    waited.clear()
    hosting.remove_hosting("example.com")
    assert waited == [other]


def test_the_web_user_is_checked_before_anything_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    """backends.check_settings runs before any migration: an unknown user, or another user than
    ours when we are not root (only root may chown), stops the command with one line."""
    from reseller_api.backends import check_settings
    from reseller_api.backends.nginx.hosting import check_web_user

    with pytest.raises(SettingsError, match="RESELLER_API_WEB_USER=nobody-at-all: no such user or group"):
        check_web_user("nobody-at-all")
    with pytest.raises(SettingsError, match="no such user or group"):
        check_web_user("nobody:no-such-group")
    nobody = pwd.getpwnam("nobody")
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    monkeypatch.setattr(os, "getegid", lambda: 4242)
    monkeypatch.setattr(os, "getgroups", lambda: [4242])
    with pytest.raises(SettingsError, match="only root can give the hostings' files to another user"):
        check_web_user("nobody")
    monkeypatch.setattr(os, "geteuid", lambda: nobody.pw_uid)
    monkeypatch.setattr(os, "getegid", lambda: nobody.pw_gid)
    check_web_user("nobody")  # the server runs as the web user itself: fine
    settings = dataclasses.replace(
        Settings(),
        web_backend="nginx",
        web_root=Path("/x"),
        nginx_conf_dir=Path("/y"),
        web_user="nobody-at-all",
    )
    with pytest.raises(SettingsError, match="no such user"):
        check_settings(settings)
    check_settings(Settings())  # simulated: nothing to check
