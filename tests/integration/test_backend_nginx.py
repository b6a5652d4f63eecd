"""The nginx + PHP-FPM backend against a private nginx and php-fpm, through the API.

One nginx and one php-fpm master are started for the module on free ports of 127.0.0.1, with
every file under a throw-away directory; the app's settings point the backend at them (the
reload commands signal these private masters). Each test uses its own domain names, so the
tests share the servers without sharing sites.

The directory is made with ``mkdtemp`` under /tmp and opened to 0755 rather than taken from
``tmp_path_factory``: pytest's base directory is 0700, and nginx's and PHP-FPM's workers run as
www-data when the tests run as root, so they could not reach the web root there.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from reseller_api.settings import Settings
from tests.api.test_sslcertificates import make_csr
from tests.harness import Caller
from tests.integration.realservers import free_port, require_binary

PASSWORD = "Secret123x"
START_TIMEOUT = 10.0
AS_ROOT = os.getuid() == 0
WEB_USER = "www-data" if AS_ROOT else None
INDEX_PHP = """<?php
header('Content-Type: text/html');
echo "site=" . basename(__DIR__) . " memory_limit=" . ini_get('memory_limit') . "\\n";
echo str_repeat("padding so that gzip has something to compress. ", 40);
"""


@dataclass
class WebServers:
    base: Path
    nginx: str
    php_fpm: str
    http_port: int
    https_port: int
    nginx_process: subprocess.Popen[bytes] | None = None
    fpm_process: subprocess.Popen[bytes] | None = None

    @property
    def web_root(self) -> Path:
        return self.base / "www"

    @property
    def conf_dir(self) -> Path:
        return self.base / "conf"

    def nginx_command(self, *extra: str) -> list[str]:
        return [self.nginx, "-p", str(self.base), "-c", str(self.base / "nginx.conf"), *extra]

    def start_nginx(self) -> None:
        self.nginx_process = subprocess.Popen(
            self.nginx_command("-g", "daemon off;"), stderr=subprocess.DEVNULL
        )
        _wait_for_port(self.http_port, self.nginx_process)

    def stop_nginx(self) -> None:
        _stop(self.nginx_process)
        self.nginx_process = None

    def settle(self) -> None:
        """Wait until the nginx master has one worker again: after a reload the old worker
        accepts connections (with the old configuration) until it has shut down."""
        master = self.nginx_process.pid if self.nginx_process else None
        deadline = time.monotonic() + START_TIMEOUT
        while master is not None and len(_children(master)) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)

    def start_fpm(self) -> None:
        self.fpm_process = subprocess.Popen(
            [self.php_fpm, "-F", "-y", str(self.base / "php-fpm.conf")], stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not (self.base / "run" / "keepalive.sock").exists():
            if self.fpm_process.poll() is not None or time.monotonic() > deadline:
                log = (self.base / "php-fpm.log").read_text(errors="replace")
                raise RuntimeError(f"php-fpm did not start: {log[-2000:]}")
            time.sleep(0.05)

    def settings(self, base: Settings) -> Settings:
        fpm_pid = self.base / "php-fpm.pid"
        return dataclasses.replace(
            base,
            web_backend="nginx",
            web_root=self.web_root,
            nginx_conf_dir=self.conf_dir,
            nginx_test_command=tuple(self.nginx_command("-t", "-q")),
            nginx_reload_command=tuple(self.nginx_command("-s", "reload")),
            php_fpm_pool_dir=self.base / "pools",
            php_fpm_socket_dir=self.base / "run",
            php_fpm_test_command=(self.php_fpm, "-t", "-y", str(self.base / "php-fpm.conf")),
            php_fpm_reload_command=("sh", "-c", f'kill -USR2 "$(cat {fpm_pid})"'),
            nginx_http_listen=(f"127.0.0.1:{self.http_port}",),
            nginx_https_listen=(f"127.0.0.1:{self.https_port}",),
            web_user=WEB_USER,
        )


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not listen on {port}")
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGQUIT if process.args and "nginx" in str(process.args) else signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _configs(servers: WebServers) -> None:
    base = servers.base
    for sub in ("www", "conf/sites", "pools", "run", "logs", "nginx-tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    user = "user www-data www-data;" if AS_ROOT else ""
    temp = "\n".join(
        f"  {kind}_temp_path {base}/nginx-tmp/{kind};"
        for kind in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi")
    )
    (base / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/logs/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
{temp}
  types {{ text/html html; text/plain txt; }}
  default_type application/octet-stream;
  # What the operator adds once: unknown host names are closed, the hostings' sites included.
  server {{ listen 127.0.0.1:{servers.http_port} default_server; return 444; }}
  include {base}/conf/sites/*.conf;
}}
"""
    )
    owner = "user = www-data\ngroup = www-data\nlisten.owner = www-data\n" if AS_ROOT else ""
    (base / "php-fpm.conf").write_text(
        f"""[global]
pid = {base}/php-fpm.pid
error_log = {base}/php-fpm.log
daemonize = no

; php-fpm refuses to start without a pool; the hostings' pools come and go.
[keepalive]
{owner}listen = {base}/run/keepalive.sock
pm = ondemand
pm.max_children = 1

include = {base}/pools/*.conf
"""
    )


@pytest.fixture(scope="module")
def web() -> Iterator[WebServers]:
    nginx = require_binary("nginx")
    php_fpm = require_binary("php-fpm8.2")
    base = Path(tempfile.mkdtemp(prefix="reseller-api-nginx-"))
    base.chmod(0o755)
    servers = WebServers(base, nginx, php_fpm, free_port(), free_port())
    try:
        _configs(servers)
        servers.start_fpm()
        servers.start_nginx()
        yield servers
    finally:
        servers.stop_nginx()
        _stop(servers.fpm_process)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def settings(settings: Settings, web: WebServers) -> Settings:
    """The conftest's settings, with the real web backend (overrides the shared fixture)."""
    return web.settings(settings)


# -- helpers ---------------------------------------------------------------------------------


def create_account(api: Caller, domain: str) -> httpx.Response:
    response = api.post("/v2/accounts", {"identifier": domain, "servicepack_id": 1, "ftp_password": PASSWORD})
    assert response.status_code == 202, response.text
    return api.wait_job(response.headers["location"], timeout=30)


def put_file(path: Path, content: str) -> None:
    """What the customer does over FTP: the file (and folders) belong to the web user."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if WEB_USER is not None:
        entry = pwd.getpwnam(WEB_USER)
        for item in (path, path.parent):
            os.chown(item, entry.pw_uid, entry.pw_gid)


def fetch(
    web: WebServers, host: str, path: str = "/index.php", *, https: bool = False, gzip: bool = False
) -> httpx.Response:
    scheme, port = ("https", web.https_port) if https else ("http", web.http_port)
    headers = {"Host": host, "Accept-Encoding": "gzip" if gzip else "identity"}
    with httpx.Client(verify=False, timeout=5, follow_redirects=False) as client:  # noqa: S501 - self-signed
        return client.get(f"{scheme}://127.0.0.1:{port}{path}", headers=headers)


def eventually(
    web: WebServers, check: Callable[[], httpx.Response], until: Callable[[httpx.Response], bool]
) -> httpx.Response:
    """Reloads are asynchronous (new workers, a re-executed PHP-FPM master): poll a little, then
    let the old nginx worker go, so that later requests all see the new configuration."""
    deadline = time.monotonic() + 10
    error: Exception | None = None
    while True:
        try:
            response = check()
            if until(response):
                web.settle()
                return response
        except httpx.TransportError as exc:
            response = None
            error = exc
        if time.monotonic() > deadline:
            last = (response.status_code, response.text[:200]) if response is not None else repr(error)
            raise AssertionError(f"never true; last response: {last}")
        time.sleep(0.1)


def ok_with(text: str) -> Callable[[httpx.Response], bool]:
    return lambda r: r.status_code == 200 and text in r.text


def plain_with(text: str) -> Callable[[httpx.Response], bool]:
    """200 with ``text``, not compressed (although the client accepts gzip)."""
    return lambda r: ok_with(text)(r) and "content-encoding" not in r.headers


def alpn(web: WebServers, host: str) -> str | None:
    """The protocol the HTTPS port agrees on when offered HTTP/2 and HTTP/1.1."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", web.https_port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.selected_alpn_protocol()


def codes(response: httpx.Response) -> list[str]:
    return [e["error_code"] for e in response.json()["validation_errors"]]


# -- tests -----------------------------------------------------------------------------------


def test_account_site_subsite_php_gzip_and_memory_limit(api: Caller, web: WebServers) -> None:
    domain = "alpha-web.be"
    assert create_account(api, domain).status_code == 201
    root = web.web_root / domain
    assert sorted(p.name for p in root.iterdir()) == [".ssh", "logs", "subsites", "tmp", "www"]
    assert oct(root.joinpath(".ssh").stat().st_mode & 0o777) == "0o700"
    put_file(root / "www" / "index.php", INDEX_PHP)

    for host in (domain, f"www.{domain}"):
        served = eventually(
            web, lambda h=host: fetch(web, h, gzip=True), ok_with("site=www memory_limit=128M")
        )
        assert served.headers["content-encoding"] == "gzip"  # the hosting's default: gzip on

    # A subsite: the customer makes its folder, the API adds the site, nginx serves it.
    assert (
        api.post(f"/v2/linuxhostings/{domain}/subsites", {"domain_name": f"blog.{domain}"}).status_code == 400
    )
    put_file(root / "subsites" / f"blog.{domain}" / "index.php", INDEX_PHP)
    created = api.post(f"/v2/linuxhostings/{domain}/subsites", {"domain_name": f"blog.{domain}"})
    assert created.status_code == 201, created.text
    eventually(web, lambda: fetch(web, f"blog.{domain}"), ok_with(f"site=blog.{domain} memory_limit=128M"))

    # Switch gzip off and the memory limit up: both show in the next responses.
    assert (
        api.put(f"/v2/linuxhostings/{domain}/settings/gzipcompression", {"enabled": False}).status_code == 204
    )
    assert (
        api.put(f"/v2/linuxhostings/{domain}/phpsettings/memorylimit", {"memory_limit": 256}).status_code
        == 204
    )
    for host in (domain, f"blog.{domain}"):
        eventually(web, lambda h=host: fetch(web, h, gzip=True), plain_with("memory_limit=256M"))

    # The PHP versions are the installed ones; the detail has no certificate notice yet.
    assert api.get(f"/v2/linuxhostings/{domain}/phpsettings/availableversions").json() == [{"version": "8.2"}]
    detail = api.get(f"/v2/linuxhostings/{domain}")
    assert "x-certificate-notice" not in detail.headers
    assert detail.json()["php_version"] == "8.2"  # what the hosting really runs, not 8.3

    # Deleting the subsite stops serving it (nginx closes unknown hosts: 444).
    assert api.delete(f"/v2/linuxhostings/{domain}/subsites/blog.{domain}").status_code == 204
    assert not (web.conf_dir / "sites" / f"blog.{domain}@{domain}.conf").exists()
    deadline = time.monotonic() + 10
    with pytest.raises(httpx.RemoteProtocolError):  # noqa: PT012 - until the reload is done
        while time.monotonic() < deadline:
            fetch(web, f"blog.{domain}")
            time.sleep(0.1)


def test_http2_and_redirect_set_before_lets_encrypt_take_effect_with_it(api: Caller, web: WebServers) -> None:
    """The vendor documents no order: a client turns HTTP/2 and the redirect on first."""
    domain = "gamma-web.be"
    assert create_account(api, domain).status_code == 201
    put_file(web.web_root / domain / "www" / "index.php", INDEX_PHP)
    base = f"/v2/linuxhostings/{domain}"
    assert api.put(f"{base}/sites/{domain}/http2/configuration", {"enabled": True}).status_code == 204
    assert api.put(f"{base}/sslsettings/www.{domain}/autoredirect", {"enabled": True}).status_code == 204
    site = api.get(base).json()["sites"][0]
    assert (site["ssl_enabled"], site["https_redirect_enabled"], site["http2_enabled"]) == (False, True, True)
    # No certificate yet: plain HTTP serves, nothing is redirected, no TLS server exists.
    eventually(web, lambda: fetch(web, f"www.{domain}"), ok_with("site=www"))
    assert "ssl" not in (web.conf_dir / "sites" / f"{domain}@{domain}.conf").read_text()

    assert api.put(f"{base}/sslsettings/www.{domain}/letsencrypt", {"enabled": True}).status_code == 204
    redirect = eventually(web, lambda: fetch(web, f"www.{domain}"), lambda r: r.status_code == 301)
    assert redirect.headers["location"] == f"https://www.{domain}:{web.https_port}/index.php"
    deadline = time.monotonic() + 10
    while alpn(web, f"www.{domain}") != "h2":
        assert time.monotonic() < deadline, "HTTP/2 never offered"
        time.sleep(0.1)


def test_lets_encrypt_without_acme_is_self_signed_https_and_the_detail_says_so(
    api: Caller, web: WebServers
) -> None:
    domain = "beta-web.be"
    assert create_account(api, domain).status_code == 201
    put_file(web.web_root / domain / "www" / "index.php", INDEX_PHP)
    base = f"/v2/linuxhostings/{domain}"
    assert api.put(f"{base}/sslsettings/www.{domain}/letsencrypt", {"enabled": True}).status_code == 204

    served = eventually(web, lambda: fetch(web, f"www.{domain}", https=True), ok_with("site=www"))
    assert served.status_code == 200
    response = api.get(base)
    notice = response.headers["x-certificate-notice"]
    assert notice.startswith(f"www.{domain}: Self-signed")
    site = response.json()["sites"][0]
    assert (site["ssl_enabled"], site["https_redirect_enabled"]) == (True, False)

    # Redirect: plain HTTP now answers 301 to the HTTPS port; the other name still serves HTTP.
    assert api.put(f"{base}/sslsettings/www.{domain}/autoredirect", {"enabled": True}).status_code == 204
    redirect = eventually(web, lambda: fetch(web, f"www.{domain}"), lambda r: r.status_code == 301)
    assert redirect.headers["location"] == f"https://www.{domain}:{web.https_port}/index.php"
    assert fetch(web, domain).status_code == 200

    # HTTP/2: offered in TLS (ALPN) once enabled.
    assert api.put(f"{base}/sites/{domain}/http2/configuration", {"enabled": True}).status_code == 204
    assert "ssl http2;" in (web.conf_dir / "sites" / f"{domain}@{domain}.conf").read_text()
    deadline = time.monotonic() + 10
    while alpn(web, f"www.{domain}") != "h2":
        assert time.monotonic() < deadline, "HTTP/2 never offered"
        time.sleep(0.1)

    # Let's Encrypt off: back to HTTP, no notice.
    assert api.put(f"{base}/sslsettings/www.{domain}/letsencrypt", {"enabled": False}).status_code == 204
    eventually(web, lambda: fetch(web, f"www.{domain}"), ok_with("site=www"))
    assert "x-certificate-notice" not in api.get(base).headers


def test_ssh_keys_and_scheduled_tasks_are_written(api: Caller, web: WebServers) -> None:
    from tests.api.test_linuxhostings_ssh import ED25519

    domain = "gamma-web.be"
    assert create_account(api, domain).status_code == 201
    base = f"/v2/linuxhostings/{domain}"
    keys = web.web_root / domain / ".ssh" / "authorized_keys"
    assert api.put(f"{base}/ssh/configuration", {"enabled": True}).status_code == 204
    assert api.post(f"{base}/ssh/keys", {"public_key": ED25519}).status_code in (200, 201, 204)
    assert keys.read_text().split()[:2] == ED25519.split()[:2]
    assert oct(keys.stat().st_mode & 0o777) == "0o600"
    if WEB_USER is not None:
        assert keys.stat().st_uid == pwd.getpwnam(WEB_USER).pw_uid
    # SSH off: no key lets anyone in.
    assert api.put(f"{base}/ssh/configuration", {"enabled": False}).status_code == 204
    assert keys.read_text() == ""

    task = {"cron_expression": "*/15 * * * *", "script_location": "/www/cron.php"}
    assert api.post(f"{base}/scheduledtasks", task).status_code == 201
    crontab = (web.conf_dir / "crontabs" / "reseller-api-gamma-web_be").read_text()
    user = WEB_USER or pwd.getpwuid(os.getuid()).pw_name
    assert f"*/15 * * * * {user} cd {web.web_root / domain} && /usr/bin/php8.2 -f " in crontab
    assert f"{web.web_root / domain}/www/cron.php" in crontab
    # cron would end the command at a bare "%": it is escaped.
    odd = {"cron_expression": "0 * * * *", "script_location": "/www/report%d.sh"}
    assert api.post(f"{base}/scheduledtasks", odd).status_code == 201
    crontab = (web.conf_dir / "crontabs" / "reseller-api-gamma-web_be").read_text()
    assert f"{web.web_root / domain}/www/report\\%d.sh\n" in crontab


ISOLATION_PHP = """<?php
header('Content-Type: text/plain');
echo "uid=" . getmyuid() . " euid=" . posix_geteuid() . "\\n";
echo "shell=" . (function_exists('shell_exec') && is_callable('shell_exec') ? 'on' : 'off') . "\\n";
echo "disabled=" . ini_get('disable_functions') . "\\n";
"""


def test_php_cannot_start_programs_and_symlinks_are_not_served(api: Caller, web: WebServers) -> None:
    domain = "eta-web.be"
    assert create_account(api, domain).status_code == 201
    root = web.web_root / domain
    put_file(root / "www" / "who.php", ISOLATION_PHP)
    served = eventually(web, lambda: fetch(web, domain, "/who.php"), ok_with("disabled="))
    assert "disabled=exec,passthru,shell_exec,system,proc_open,popen,pcntl_exec" in served.text
    expected_uid = pwd.getpwnam(WEB_USER).pw_uid if WEB_USER else os.getuid()
    assert f"euid={expected_uid}" in served.text
    assert "euid=0" not in served.text
    # A link to another hosting's (or the server's) files is not followed: every hosting has
    # the same owner, so nginx's "if_not_owner" would have served it.
    put_file(root / "www" / "plain.txt", "served\n")
    (root / "www" / "link.txt").symlink_to(root / "www" / "plain.txt")
    if WEB_USER is not None:
        entry = pwd.getpwnam(WEB_USER)
        os.lchown(root / "www" / "link.txt", entry.pw_uid, entry.pw_gid)
    assert fetch(web, domain, "/plain.txt").status_code == 200
    assert fetch(web, domain, "/link.txt").status_code in (403, 404)  # try_files: 404


def test_a_configuration_nginx_refuses_keeps_the_live_one_and_says_why(api: Caller, web: WebServers) -> None:
    domain = "delta-web.be"
    assert create_account(api, domain).status_code == 201
    put_file(web.web_root / domain / "www" / "index.php", INDEX_PHP)
    eventually(web, lambda: fetch(web, domain, gzip=True), ok_with("memory_limit=128M"))
    site_file = web.conf_dir / "sites" / f"{domain}@{domain}.conf"
    live = site_file.read_text()

    # Someone leaves a broken file among the sites: nginx -t now fails for any change.
    broken = web.conf_dir / "sites" / "zz-broken.conf"
    broken.write_text("this_is_not_a_directive on;\n")
    try:
        refused = api.put(f"/v2/linuxhostings/{domain}/settings/gzipcompression", {"enabled": False})
        assert refused.status_code == 400
        assert codes(refused) == ["backend_refused"]
        assert "unknown directive" in refused.json()["validation_errors"][0]["error_text"]
        assert site_file.read_text() == live
        assert api.get(f"/v2/linuxhostings/{domain}").status_code == 200
        web.settle()
        served = fetch(web, domain, gzip=True)
        assert served.headers["content-encoding"] == "gzip"
        # A refused site change leaves the site as it was, in the API too.
        alias = api.post(
            f"/v2/linuxhostings/{domain}/sites/{domain}/hostheaders", {"domain_name": "alias-delta.be"}
        )
        assert codes(alias) == ["backend_refused"]
        names = [h["name"] for h in api.get(f"/v2/linuxhostings/{domain}").json()["sites"][0]["host_headers"]]
        assert names == [domain, f"www.{domain}"]
        assert site_file.read_text() == live

        # A job fails the same way, with nothing left behind.
        failed = create_account(api, "epsilon-web.be")
        assert failed.json()["status"] == "failed"
        assert not (web.conf_dir / "sites" / "epsilon-web.be@epsilon-web.be.conf").exists()
        assert not (web.base / "pools" / "epsilon-web.be.conf").exists()
        assert api.get("/v2/linuxhostings/epsilon-web.be").status_code == 404
    finally:
        broken.unlink()

    # Once the file is gone the same change goes through.
    assert (
        api.put(f"/v2/linuxhostings/{domain}/settings/gzipcompression", {"enabled": False}).status_code == 204
    )
    eventually(web, lambda: fetch(web, domain, gzip=True), plain_with("memory_limit=128M"))


def test_nginx_down_mid_job_retries_then_converges(
    api: Caller, web: WebServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reseller_api.jobs.runner.retry_delay", lambda attempts: 0.3)
    domain = "zeta-web.be"
    web.stop_nginx()
    try:
        # In a request: 503, and nothing changes.
        response = api.post(
            "/v2/accounts", {"identifier": domain, "servicepack_id": 1, "ftp_password": PASSWORD}
        )
        assert response.status_code == 202
        job = response.headers["location"]
        time.sleep(1.0)  # a few attempts fail: nginx cannot be reloaded
        assert api.get(job).json()["status"] == "ongoing"
        # Put back after each try: between two tries the site's file is gone (a look may fall
        # inside a try, under load, so look until one falls between two).
        site = web.conf_dir / "sites" / f"{domain}@{domain}.conf"
        deadline = time.monotonic() + 5
        while site.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not site.exists()
    finally:
        web.start_nginx()
    assert api.wait_job(job, timeout=30).status_code == 201
    put_file(web.web_root / domain / "www" / "index.php", INDEX_PHP)
    eventually(web, lambda: fetch(web, domain), ok_with("memory_limit=128M"))

    # PHP-FPM cannot be reloaded: the request answers 503 and the setting stays as it was.
    pid = web.base / "php-fpm.pid"
    pid.rename(web.base / "php-fpm.pid.away")
    try:
        unavailable = api.put(f"/v2/linuxhostings/{domain}/phpsettings/memorylimit", {"memory_limit": 512})
        assert unavailable.status_code == 503
        assert unavailable.json()["error_code"] == "backend_unavailable"
        assert "memory_limit] = 128M" in (web.base / "pools" / f"{domain}.conf").read_text()
    finally:
        (web.base / "php-fpm.pid.away").rename(pid)
    assert (
        api.put(f"/v2/linuxhostings/{domain}/phpsettings/memorylimit", {"memory_limit": 512}).status_code
        == 204
    )
    eventually(web, lambda: fetch(web, domain), ok_with("memory_limit=512M"))


def test_a_certificate_requests_file_validation_is_fetched_from_nginx(api: Caller, web: WebServers) -> None:
    """The file of an SSL certificate request's validation, checked really over HTTP on loopback."""
    domain = "delta-web.be"
    assert create_account(api, domain).status_code == 201
    alias = "delta-alias.net"  # served by the hosting, in no zone of ours: only the file can validate it
    added = api.post(f"/v2/linuxhostings/{domain}/sites/{domain}/hostheaders", {"domain_name": alias})
    assert added.status_code == 201, added.text
    ordered = api.post(
        "/v2/sslcertificaterequests",
        {"csr": make_csr(alias), "certificate_type": "standard", "validation_level": "domain_validated"},
    )
    assert ordered.status_code == 201, ordered.text
    location = ordered.headers["location"]
    (validation,) = api.get(location).json()["validations"]
    path = validation["file_validation_url_http"].removeprefix(f"http://{alias}")
    assert api.put(location).status_code == 202
    assert api.get(location).status_code == 200  # nothing on the web server yet: still pending

    put_file(
        web.web_root / domain / "www" / path.lstrip("/"), "\n".join(validation["file_validation_content"])
    )
    eventually(web, lambda: fetch(web, alias, path), ok_with(validation["file_validation_content"][0]))
    issuing = api.put(location)
    assert issuing.status_code == 202
    assert api.wait_job(issuing.headers["location"], timeout=30).status_code == 201
    issued = api.get(location)
    assert issued.status_code == 303
    assert api.get(issued.headers["location"]).json()["common_name"] == alias
