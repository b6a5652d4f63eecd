"""Files that servers read while we write them: replaced in one rename, never seen half-written.

Every file-based backend (nginx and PHP-FPM configuration, certificates, Dovecot's
passwd-file and the MTA's maps) writes through :func:`write_atomically`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(
    path: Path,
    content: str | bytes,
    mode: int = 0o644,
    *,
    uid: int = -1,
    gid: int = -1,
    before_replace: Callable[[str], None] | None = None,
) -> None:
    """Replace ``path``: readers see the old file or the new one, never a part.

    The temporary file sits in the same directory (so the rename is atomic) and gets its
    mode and ownership (-1: unchanged) before the first byte, so a secret is never readable
    by others even for a moment. ``before_replace`` may adjust the temporary file (by path)
    just before it takes the place of the old one.
    """
    data = content.encode() if isinstance(content, str) else content
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        if uid != -1 or gid != -1:
            os.fchown(fd, uid, gid)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
