"""Files replaced atomically, a change's files published or put back, and the lock around a change.

Every file is replaced atomically (temporary file in the same directory, fsync, ``os.replace``),
so Dovecot and Postfix never read half a file; when one file of a change cannot be written,
those already replaced are put back, so a failed call leaves the previous files.
``<passwd file>.lock`` serialises the read-modify-write among job threads and processes
(``fcntl.flock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from reseller_api.backends.base import BackendUnavailable
from reseller_api.backends.files import write_atomically

# One logger for the whole backend: its lines read the same whichever module writes them.
log = logging.getLogger("reseller_api.backends.dovecot")

LOCK_TIMEOUT = 10.0
# Modes for files created here; an existing file keeps its own mode and group.
PASSWD_MODE = 0o640  # Dovecot's auth process reads it (group dovecot): hashes stay private
MAP_MODE = 0o644
STATE_MODE = 0o600


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` atomically; an existing file keeps its mode and group.

    Dovecot (2.3) reloads a passwd-file only when its mtime second or its size changes: a new
    hash of the same length written within the same second would go unnoticed, so the mtime is
    moved on by a second then.
    """
    try:
        previous: os.stat_result | None = path.stat()
    except FileNotFoundError:
        previous = None

    def like_the_previous_file(temporary: str) -> None:
        if previous is None:
            return
        if os.stat(temporary).st_gid != previous.st_gid:  # chown only when needed: may be refused
            os.chown(temporary, -1, previous.st_gid)
        same_size = previous.st_size == len(data)
        if same_size and int(os.stat(temporary).st_mtime) <= int(previous.st_mtime):
            stamp = int(previous.st_mtime) + 1
            os.utime(temporary, (stamp, stamp))

    write_atomically(
        path,
        data,
        mode if previous is None else stat.S_IMODE(previous.st_mode),
        before_replace=like_the_previous_file,
    )
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def publish(files: Sequence[tuple[Path, str, int]]) -> None:
    """Replace each changed file in order; if one fails, put back those already replaced."""
    done: list[tuple[Path, bytes | None, int]] = []
    try:
        for path, text, mode in files:
            data = text.encode()
            old = read_or_none(path)
            if old == data:
                continue
            replace_file(path, data, mode)
            done.append((path, old, mode))
    except OSError:
        for path, old, mode in reversed(done):
            try:
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    replace_file(path, old, mode)
            except OSError as exc:
                log.error("could not put back %s after a failed change: %s", path, exc)
        raise


class ChangeLock:
    """One change at a time, among this process's threads and other processes alike."""

    def __init__(self, lock_file: Path) -> None:
        self.lock_file = lock_file
        # flock excludes other processes; threads of this one queue here instead of polling.
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        deadline = time.monotonic() + LOCK_TIMEOUT
        if not self._thread_lock.acquire(timeout=LOCK_TIMEOUT):
            raise BackendUnavailable("the mail platform's files are locked by another change; try again.")
        try:
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise BackendUnavailable(
                                "the mail platform's files are locked by another process; try again."
                            ) from None
                        time.sleep(0.01)
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the flock
        finally:
            self._thread_lock.release()
