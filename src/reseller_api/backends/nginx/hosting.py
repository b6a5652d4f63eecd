"""nginx + PHP-FPM hostings: :class:`NginxHosting`, the real :class:`HostingBackend`.

Per hosting (``example.com``)::

    WEB_ROOT/example.com/                 0755 server's user: www/ subsites/ logs/ tmp/ .ssh/
    NGINX_CONF_DIR/sites/<site>@example.com.conf  one per site, a server block per host header
    NGINX_CONF_DIR/state/example.com.json what this backend was last told (no secrets)
    PHP_FPM_POOL_DIR/example.com.conf     the hosting's pool ("{version}" in the dir: per version)
    CRONTAB_DIR/reseller-api-example_com  its scheduled tasks, cron.d format

Every change is one transaction over files: write, test (``nginx -t``, the PHP-FPM test),
reload; a failing test or reload puts every file back, so the live configuration is always
one the servers accepted and loaded, and the caller learns why (BackendRefused: the test's
message; BackendUnavailable: the server could not be reloaded, worth retrying).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import grp
import logging
import os
import pwd
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.nginx import commands, render
from reseller_api.backends.nginx.files import Change, locked
from reseller_api.backends.nginx.layout import TREE, Layout, Owner, host_name, resolved_inside
from reseller_api.backends.nginx.state import HostingState, load, save
from reseller_api.settings import Settings, SettingsError

log = logging.getLogger("reseller_api.backends.nginx")
P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_POOL_DIR = "/etc/php/{version}/fpm/pool.d"
# How long a reloaded PHP-FPM master may take to answer on a pool's socket again.
PHP_FPM_READY_SECONDS = 10.0
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")
_VERSION = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}")


@dataclass
class _Step:
    """Files of one server, its test and its reload."""

    change: Change
    test: Callable[[], None]
    reload: Callable[[], None]
    changed: bool = False


def _search_path() -> str:
    return os.pathsep.join([os.environ.get("PATH", ""), *_SBIN])


def installed_php_versions() -> tuple[str, ...]:
    """The PHP-FPM versions installed here (``php-fpm8.2`` ...), oldest first."""
    found = set()
    for directory in _search_path().split(os.pathsep):
        for path in glob.glob(os.path.join(directory, "php-fpm[0-9]*.[0-9]*")):
            version = os.path.basename(path).removeprefix("php-fpm")
            if _VERSION.fullmatch(version) and os.access(path, os.X_OK):
                found.add(version)
    return tuple(sorted(found, key=lambda v: tuple(int(p) for p in v.split("."))))


@functools.cache
def nginx_http2_in_listen() -> bool:
    """nginx before 1.25.1 takes HTTP/2 as a ``listen`` parameter; later as ``http2 on``."""
    nginx = shutil.which("nginx", path=_search_path())
    if nginx is None:
        return True
    try:
        done = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return True
    match = re.search(r"nginx/([0-9]+)\.([0-9]+)\.([0-9]+)", done.stderr + done.stdout)
    return match is None or tuple(int(p) for p in match.groups()) < (1, 25, 1)


def _os_errors(method: Callable[P, R]) -> Callable[P, R]:
    """A file the backend cannot write is the operator's setup refusing the change: say which."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except OSError as exc:
            raise BackendRefused(f"the web server's files cannot be changed: {exc.strerror}") from None

    return wrapper


class NginxHosting:
    """Hostings on this machine's nginx and PHP-FPM. Thread- and process-safe (a lock file)."""

    def __init__(self, settings: Settings, issuer: Any = None) -> None:
        if settings.web_root is None or settings.nginx_conf_dir is None:
            raise ValueError("the nginx backend needs web_root and nginx_conf_dir")
        self.settings = settings
        self.layout = Layout(
            web_root=settings.web_root,
            conf_dir=settings.nginx_conf_dir,
            pool_dir=str(settings.php_fpm_pool_dir or DEFAULT_POOL_DIR),
            socket_dir=settings.php_fpm_socket_dir,
            crontab_dir=settings.crontab_dir or settings.nginx_conf_dir / "crontabs",
        )
        self.listen = render.Listen(
            settings.nginx_http_listen, settings.nginx_https_listen, nginx_http2_in_listen()
        )
        self._issuer = issuer
        check_web_user(settings.web_user)

    def probe(self) -> str:
        """``reseller-api check-config``: our folders are writable and nginx's test passes."""
        for path in (self.layout.web_root, self.layout.conf_dir, self.layout.crontab_dir):
            existing = next(p for p in (path, *path.parents) if p.exists())
            if not os.access(existing, os.W_OK):
                raise BackendRefused(f"{existing} is not writable by this user")
        commands.test(self.settings.nginx_test_command, "nginx")
        return f"{' '.join(self.settings.nginx_test_command)} passes; web root {self.layout.web_root}"

    # -- collaborators, resolved on first use (the app starts even when they are misconfigured)

    @functools.cached_property
    def owner(self) -> Owner:
        return Owner.parse(self.settings.web_user)

    @property
    def issuer(self) -> Any:
        if self._issuer is None:
            from reseller_api.backends.certificates import build_certificate_issuer

            self._issuer = build_certificate_issuer(self.settings)
        return self._issuer

    # -- HostingBackend ---------------------------------------------------------------------

    @_os_errors
    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None:
        # FTP accounts need an FTP server, which this backend does not manage: the credentials
        # are neither written nor logged (docs/backends.md).
        with self._hosting(domain_name, create=True) as state:
            self._make_tree(domain_name)
            self._apply(state, sites=True, pool=True)

    @_os_errors
    def remove_hosting(self, domain_name: str) -> None:
        with locked(self.layout.lock_file):
            state = load(self.layout.state_file(domain_name))
            if state is None:
                self._trash_tree(domain_name)
                return
            nginx = Change()
            for site in state.sites:
                nginx.delete(self.layout.site_file(domain_name, site))
            steps = [self._nginx_step(nginx)]
            if state.pool_version is not None:
                pool = Change()
                pool.delete(self.layout.pool_file(domain_name, state.pool_version))
                steps.append(self._pool_step(pool, state.pool_version))
            cron = Change()
            cron.delete(self.layout.crontab_file(domain_name))
            steps.append(_Step(cron, _nothing, _nothing))
            self._commit(steps, domain_name)
            self._trash_tree(domain_name)
            self.layout.state_file(domain_name).unlink(missing_ok=True)
        self._forget_certificates(state.certificates, keep=())

    @_os_errors
    def set_settings(self, domain_name: str, settings: Mapping[str, Any]) -> None:
        with self._hosting(domain_name, create=True) as state:
            state.settings.update(settings)
            self._make_tree(domain_name)
            self._apply(state, sites=True, pool=True, keys=True, crontab=True)

    def php_versions(self) -> tuple[str, ...]:
        installed = installed_php_versions()
        if "{version}" in self.layout.pool_dir:
            return tuple(v for v in installed if self.layout.pool_directory(v).is_dir())
        # One pool directory: the one PHP-FPM master that reads it, the newest installed.
        return installed[-1:]

    def path_exists(self, domain_name: str, path: str) -> bool:
        real = resolved_inside(self.layout.hosting_root(domain_name), path)
        return real is not None and real.is_dir()

    @_os_errors
    def ensure_site(self, domain_name: str, site_name: str, site: Mapping[str, Any]) -> None:
        host_name(site_name)
        spec = _plain(site)
        # First the site with the certificates it already has (new Let's Encrypt names are
        # served over HTTP, so an ACME server can reach the challenge), then the certificates,
        # then the site with all of them.
        with self._hosting(domain_name, create=True) as state:
            state.sites[site_name] = spec
            self._apply(state, sites=True)
            wanted = state.wanted_certificates()
        issued = {name: self._issue(name) for name in wanted}
        with self._hosting(domain_name, create=True) as state:
            if site_name in state.sites:  # unless removed meanwhile
                state.certificates.update({name: cert.as_dict() for name, cert in issued.items()})
                self._apply(state, sites=True)
            stale = {n: c for n, c in state.certificates.items() if n not in state.wanted_certificates()}
            for name in stale:
                del state.certificates[name]
        self._forget_certificates(stale, keep=())

    @_os_errors
    def remove_site(self, domain_name: str, site_name: str) -> None:
        with self._hosting(domain_name, create=False) as state:
            if state is None or site_name not in state.sites:
                return
            del state.sites[site_name]
            nginx = Change()
            nginx.delete(self.layout.site_file(domain_name, site_name))
            self._commit([self._nginx_step(nginx)], domain_name)
            wanted = state.wanted_certificates()
            stale = {n: c for n, c in state.certificates.items() if n not in wanted}
            for name in stale:
                del state.certificates[name]
        self._forget_certificates(stale, keep=())

    @_os_errors
    def set_authorized_keys(self, domain_name: str, public_keys: Sequence[str]) -> None:
        with self._hosting(domain_name, create=True) as state:
            state.keys = [str(k) for k in public_keys]
            self._make_tree(domain_name)
            self._apply(state, keys=True)

    @_os_errors
    def set_crontab(self, domain_name: str, entries: Sequence[Mapping[str, Any]]) -> None:
        with self._hosting(domain_name, create=True) as state:
            state.crontab = [_plain(e) for e in entries]
            self._apply(state, crontab=True)

    def certificate_notes(self, domain_name: str) -> dict[str, str]:
        """Host name -> why its certificate is self-signed, for those that are."""
        with contextlib.suppress(BackendRefused, OSError, ValueError):
            state = load(self.layout.state_file(domain_name))
            if state is not None:
                return {n: _note(raw) for n, raw in state.certificates.items() if raw.get("self_signed")}
        return {}

    def fetch(self, domain_name: str, host: str, path: str) -> bytes | None:
        """Asked of nginx itself over HTTP on loopback, with the host name in ``Host``: what a
        CA's validation fetch would get (the site, its root, its rewrites), not a file read."""
        import httpx  # only where a validation is checked

        url = f"http://{loopback(self.settings.nginx_http_listen[0])}{path}"
        try:
            response = httpx.get(url, headers={"Host": host}, timeout=5.0, follow_redirects=False)
        except httpx.HTTPError:
            return None
        return response.content if response.status_code == 200 else None

    # -- state, under the lock --------------------------------------------------------------

    @contextlib.contextmanager
    def _hosting(self, domain_name: str, *, create: bool) -> Iterator[Any]:
        """The hosting's state, locked; saved when the block succeeds (``None`` if absent and
        not ``create``). On failure the saved state stays the previous one, as the files do."""
        path = self.layout.state_file(domain_name)
        with locked(self.layout.lock_file):
            state = load(path)
            if state is None and create:
                state = HostingState.new(domain_name)
            yield state
            if state is not None:
                save(path, state)

    def _apply(
        self,
        state: HostingState,
        *,
        sites: bool = False,
        pool: bool = False,
        keys: bool = False,
        crontab: bool = False,
    ) -> None:
        """Render what the state says, for the parts asked, and commit it."""
        domain = state.domain
        version = self._php_version(state.settings.get("php_version"))
        steps: list[_Step] = []
        old_pool: _Step | None = None
        if pool:
            change = Change()
            change.write(self.layout.pool_file(domain, version), self._pool(state, version))
            steps.append(self._pool_step(change, version, domain))
            if state.pool_version not in (None, version):
                gone = Change()
                gone.delete(self.layout.pool_file(domain, str(state.pool_version)))
                old_pool = self._pool_step(gone, str(state.pool_version))
        if sites:
            change = Change()
            for name, spec in state.sites.items():
                change.write(self.layout.site_file(domain, name), self._site(state, name, spec, version))
                # A file of the old naming (site name alone) is this hosting's: replaced.
                if self.layout.legacy_site_file(name).exists():
                    change.delete(self.layout.legacy_site_file(name))
            steps.append(self._nginx_step(change))
        if old_pool is not None:
            steps.append(old_pool)  # after nginx has left its socket
        if keys:
            change = Change()
            text = render.authorized_keys(state.keys if state.settings.get("ssh_enabled") else [])
            change.write(self.layout.authorized_keys(domain), text, mode=0o600, owner=self._file_owner)
            steps.append(_Step(change, _nothing, _nothing))
        if crontab:
            change = Change()
            change.write(self.layout.crontab_file(domain), self._crontab(state, version))
            steps.append(_Step(change, _nothing, _nothing))
        self._commit(steps, domain)
        if pool:
            state.pool_version = version

    def _commit(self, steps: list[_Step], domain: str) -> None:
        """Write and test every step, then reload each one that changed; on any failure put
        every file back (and reload what was already reloaded) and re-raise.

        A marker file lives from the first write to the last reload: if the process dies in
        between, the next change of the hosting reloads even though its files look current.
        """
        marker = self.layout.state_dir / f"{host_name(domain)}.pending"
        force = marker.exists()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        applied: list[_Step] = []
        reloaded: list[_Step] = []
        try:
            for step in steps:
                step.changed = step.change.apply(step.test)
                applied.append(step)
            for step in steps:
                if step.changed or force:
                    step.reload()
                    reloaded.append(step)
        except BaseException:
            # Every step is undone and reloaded even when one of them fails: stopping halfway
            # would leave the other servers on files that were meant to be rolled back.
            for step in reversed(applied):
                try:
                    step.change.undo()
                except Exception:
                    log.exception("could not undo a change of hosting %s", domain)
            for step in reloaded:
                try:
                    step.reload()
                except Exception:
                    log.exception("could not reload after undoing a change of hosting %s", domain)
            raise
        finally:
            marker.unlink(missing_ok=True)

    # -- rendering --------------------------------------------------------------------------

    def _site(self, state: HostingState, name: str, spec: Mapping[str, Any], version: str) -> str:
        certificates = {n: c for n in state.certificates if (c := state.certificate(n)) is not None}
        # The issuer is only asked (and built) once some host name wants a certificate; with
        # the ACME issuer for SSL certificate requests any host name may be ordered by a
        # customer's CSR, and the CA fetches its HTTP-01 answer from this same directory.
        answers = state.wanted_certificates() or self.settings.certificate_issuer == "acme"
        challenge = self.issuer.challenge_dir if answers else None
        return render.site_conf(
            domain=state.domain,
            site=name,
            spec=spec,
            hosting_root=self.layout.hosting_root(state.domain),
            socket=self.layout.socket(state.domain, version),
            gzip=bool(state.settings.get("gzip_enabled", True)),
            listen=self.listen,
            certificates=certificates,
            challenge_dir=challenge,
        )

    def _pool(self, state: HostingState, version: str) -> str:
        with contextlib.suppress(OSError):
            self.layout.socket_dir.mkdir(parents=True, exist_ok=True)
        return render.pool_conf(
            domain=state.domain,
            version=version,
            hosting_root=self.layout.hosting_root(state.domain),
            socket=self.layout.socket(state.domain, version),
            owner=self.owner,
            memory_limit_mb=int(state.settings.get("php_memory_limit", 128)),
            apcu_enabled=bool(state.settings.get("apcu_enabled")),
        )

    def _crontab(self, state: HostingState, version: str) -> str:
        return render.crontab(
            domain=state.domain,
            user=self.owner.user,
            hosting_root=self.layout.hosting_root(state.domain),
            php=f"/usr/bin/php{version}",
            entries=state.crontab,
        )

    def _php_version(self, wanted: object) -> str:
        """The version to run: the one asked for when installed, else the newest installed.

        The API only offers installed versions, but a hosting created with the database's
        default may name one this machine lacks; it then runs on the newest (logged).
        """
        available = self.php_versions()
        if isinstance(wanted, str) and wanted in available:
            return wanted
        chosen = available[-1] if available else (wanted if isinstance(wanted, str) else "")
        if not _VERSION.fullmatch(chosen):
            raise BackendRefused("no PHP-FPM version is installed on the web server")
        if wanted is not None and wanted != chosen:
            log.warning("PHP %s is not installed; the pool runs PHP %s", wanted, chosen)
        return chosen

    # -- commands ---------------------------------------------------------------------------

    def _nginx_step(self, change: Change) -> _Step:
        return _Step(
            change,
            functools.partial(commands.test, self.settings.nginx_test_command, "nginx"),
            functools.partial(commands.reload, self.settings.nginx_reload_command, "nginx"),
        )

    def _pool_step(self, change: Change, version: str, domain: str | None = None) -> _Step:
        def versioned(command: tuple[str, ...]) -> tuple[str, ...]:
            parts = tuple(part.replace("{version}", version) for part in command)
            # php-fpm lives in /usr/sbin, which a non-root user's PATH often lacks.
            found = shutil.which(parts[0], path=_search_path()) if parts and "/" not in parts[0] else None
            return (found, *parts[1:]) if found else parts

        what = f"PHP-FPM {version}"
        reload_command = versioned(self.settings.php_fpm_reload_command)

        def reload() -> None:
            commands.reload(reload_command, what)
            # A reload re-executes the master: wait until a pool answers again (this hosting's,
            # else any other of that version). Nginx then never routes to a socket that is not
            # there yet, and the next reload (a rollback, a retry) never signals a master that
            # is still starting, which would kill it.
            ready = self._a_live_pool(domain, version) if reload_command else None
            if ready is not None:
                commands.wait_for_socket(ready, what, PHP_FPM_READY_SECONDS)

        return _Step(
            change,
            functools.partial(commands.test, versioned(self.settings.php_fpm_test_command), what),
            reload,
        )

    def _a_live_pool(self, domain: str | None, version: str) -> Path | None:
        """The socket of this hosting's pool if it has one, else of another of our pools of
        ``version`` (one whose socket exists: the operator's own pools are not ours to probe)."""
        if domain is not None and self.layout.pool_file(domain, version).exists():
            return self.layout.socket(domain, version)
        pools = self.layout.pool_directory(version)
        for pool in sorted(pools.glob("*.conf")) if pools.is_dir() else []:
            # Not ours (www.conf, a name we would never write): skip it, never refuse for it.
            with contextlib.suppress(BackendRefused):
                if pool.stem != domain and (socket := self.layout.socket(pool.stem, version)).exists():
                    return socket
        return None

    # -- the hosting's tree -----------------------------------------------------------------

    def _make_tree(self, domain_name: str) -> None:
        root = self.layout.hosting_root(domain_name)
        self.layout.web_root.mkdir(parents=True, exist_ok=True)
        for relative, mode, who in TREE:
            path = root / relative if relative else root
            if path.is_symlink():
                raise BackendRefused(
                    f"{relative or domain_name} is a symbolic link; the hosting is not changed"
                )
            path.mkdir(exist_ok=True)
            os.chmod(path, mode)
            if who == "web":
                self._own(path)
            elif self.owner.explicit:
                os.lchown(path, os.getuid(), os.getgid())

    @property
    def _file_owner(self) -> Owner | None:
        return self.owner if self.owner.explicit else None

    def _own(self, path: Path) -> None:
        if self.owner.explicit and path.exists():
            os.lchown(path, self.owner.uid or 0, self.owner.gid or 0)

    def _trash_tree(self, domain_name: str) -> None:
        """Move the hosting's files aside (WEB_ROOT/.removed/): the operator purges them."""
        root = self.layout.hosting_root(domain_name)
        if not root.exists():
            return
        trash = self.layout.web_root / ".removed"
        trash.mkdir(mode=0o700, exist_ok=True)
        # Nanoseconds: a hosting removed twice within a second must not meet its first copy.
        os.replace(root, trash / f"{domain_name}.{time.time_ns()}")

    # -- certificates -----------------------------------------------------------------------

    def _issue(self, name: str) -> render.Certificate:
        issued = self.issuer.ensure([name])
        return render.Certificate(
            fullchain=str(issued.fullchain),
            private_key=str(issued.private_key),
            self_signed=bool(issued.self_signed),
            note=str(issued.note),
        )

    def _forget_certificates(self, certificates: Mapping[str, Any], keep: Sequence[str]) -> None:
        for name in certificates:
            if name not in keep:
                try:
                    self.issuer.remove([name])
                except Exception:  # a certificate left behind harms nothing; the change stands
                    log.warning("could not remove the certificate of %s", name, exc_info=True)


def check_web_user(web_user: str | None) -> None:
    """Refuse, at start and before anything is migrated or created, a web user the server
    cannot or must not use: root (customers' PHP and scheduled tasks run as it), a user or
    group this machine does not have, or another user than ours when we are not root (only
    root may give files away)."""
    if web_user is None:
        uid, gid = os.getuid(), os.getgid()
    else:
        user, _, group = web_user.partition(":")
        try:
            uid = pwd.getpwnam(user).pw_uid
            gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
        except KeyError:
            raise SettingsError(
                f"RESELLER_API_WEB_USER={web_user}: no such user or group on this machine"
            ) from None
    if uid == 0 or gid == 0:
        raise SettingsError(
            "RESELLER_API_WEB_USER must name a non-root user and group (such as www-data): "
            "customers' PHP and scheduled tasks run as it"
            + ("; it is unset and the server runs as root" if web_user is None else "")
        )
    euid = os.geteuid()
    if euid != 0 and (uid != euid or (gid != os.getegid() and gid not in os.getgroups())):
        raise SettingsError(
            f"RESELLER_API_WEB_USER={web_user}: only root can give the hostings' files to another "
            "user or group; run reseller-api as root (customers' code never runs as root) or as that user"
        )


def _note(raw: Mapping[str, Any]) -> str:
    note = str(raw.get("note", "")).strip()
    if "self-signed" not in note.lower():
        return f"Self-signed: {note}" if note else "Self-signed"
    return note


def _nothing() -> None:
    return None


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy (the state file stores it)."""
    return {str(k): _json(v) for k, v in value.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _plain(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def loopback(listen: str) -> str:
    """``80`` -> ``127.0.0.1:80``; ``[::]:8080`` -> ``[::1]:8080``; ``192.0.2.1:80`` as it is."""
    address, _, port = listen.rpartition(":")
    if not port.isdigit():
        address, port = listen, "80"
    if address in ("", "*", "0.0.0.0"):  # noqa: S104 - reading nginx's wildcard, not binding
        address = "127.0.0.1"
    elif address == "[::]":
        address = "[::1]"
    return f"{address}:{port}"
