"""Files written atomically, and configuration changes that are tested before they stay.

A :class:`Change` writes (or deletes) several files, runs the test command, and puts every
file back as it was when the test fails: the live configuration is never one nginx refuses.
A lock file serialises changes between threads and worker processes, so one change's test
never sees another's half-written set.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reseller_api.backends import files
from reseller_api.backends.base import BackendRefused
from reseller_api.backends.nginx.layout import Owner


def write_atomically(path: Path, content: str | bytes, mode: int = 0o644, owner: Owner | None = None) -> None:
    """Replace ``path`` atomically (making its directory), owned by ``owner`` when explicit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    explicit = owner is not None and owner.explicit
    files.write_atomically(
        path,
        content,
        mode,
        uid=(owner.uid or 0) if explicit and owner else -1,
        gid=(owner.gid or 0) if explicit and owner else -1,
    )


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Exclusive across threads and processes (flock on a fresh descriptor each time)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class _Saved:
    """A file as it was: its bytes, mode and owner (None: it did not exist)."""

    content: bytes | None
    mode: int = 0o644
    owner: Owner | None = None

    @classmethod
    def of(cls, path: Path) -> _Saved:
        try:
            info = path.stat()
            content = path.read_bytes()
        except FileNotFoundError:
            return cls(None)
        return cls(content, info.st_mode & 0o7777, Owner("", "", info.st_uid, info.st_gid))


class Change:
    """A set of file writes and deletions, applied together and undone together."""

    def __init__(self) -> None:
        self._wanted: dict[Path, tuple[str | None, int, Owner | None]] = {}
        self._previous: dict[Path, _Saved] = {}

    def write(self, path: Path, content: str, mode: int = 0o644, owner: Owner | None = None) -> None:
        self._wanted[path] = (content, mode, owner)

    def delete(self, path: Path) -> None:
        self._wanted[path] = (None, 0, None)

    def apply(self, test: Callable[[], None]) -> bool:
        """Write everything, then run ``test`` if anything changed; on failure restore every
        file and re-raise. Returns whether any file changed."""
        self._previous = {path: _Saved.of(path) for path in self._wanted}
        changed = False
        try:
            for path, (content, mode, owner) in self._wanted.items():
                before = self._previous[path].content
                if content is None:
                    if before is not None:
                        path.unlink()
                        changed = True
                elif before != content.encode():
                    write_atomically(path, content, mode, owner)
                    changed = True
            if changed:
                test()
        except BaseException:
            self.undo()
            raise
        return changed

    def undo(self) -> None:
        """Put every file back as :meth:`apply` found it."""
        problems = []
        for path, saved in self._previous.items():
            try:
                if saved.content is None:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                else:
                    write_atomically(path, saved.content, saved.mode, saved.owner)
            except OSError as exc:  # keep restoring the others
                problems.append(f"{path}: {exc.strerror}")
        if problems:
            raise BackendRefused("could not restore the previous configuration: " + "; ".join(problems))
