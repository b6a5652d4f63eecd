"""Running the operator's test and reload commands (``nginx -t``, ``nginx -s reload``, ...).

A command that cannot run at all (missing, timed out, or a reload that fails: nginx not running)
is :class:`BackendUnavailable`: the server is not there to take the change, a retry may find
it. A configuration test that fails is :class:`BackendRefused` with the test's own message.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from reseller_api.backends.base import BackendRefused, BackendUnavailable

log = logging.getLogger("reseller_api.backends.nginx")

TIMEOUT = 30.0
# How much of a failing command's output the reseller sees.
MESSAGE_MAX = 600


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - the operator's own command, from settings, no shell
            list(command), capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise BackendUnavailable(f"{command[0]} is not installed or not on PATH") from None
    except PermissionError:
        raise BackendUnavailable(f"{command[0]} may not be run by this user") from None
    except subprocess.TimeoutExpired:
        raise BackendUnavailable(f"{' '.join(command)} did not finish within {TIMEOUT:.0f}s") from None


def summary(output: str) -> str:
    """The lines that say what is wrong (nginx's ``[emerg]``, PHP-FPM's ``ERROR``), shortened."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    wanted = [
        line
        for line in lines
        if any(mark in line for mark in ("[emerg]", "[alert]", "[crit]", "ERROR", "error"))
        and "test failed" not in line
    ]
    text = " ".join(wanted or lines[-2:])
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 3] + "..."


def _failure(command: Sequence[str]) -> str | None:
    """Run ``command`` (none configured: nothing to run); why it failed, or None."""
    if not command:
        return None
    done = _run(command)
    return None if done.returncode == 0 else summary(done.stderr + "\n" + done.stdout)


def test(command: Sequence[str], what: str) -> None:
    """Run a configuration test; :class:`BackendRefused` with its message when it fails."""
    if (reason := _failure(command)) is not None:
        log.warning("%s configuration test failed: %s", what, reason)
        raise BackendRefused(f"the {what} configuration test failed: {reason}")


def reload(command: Sequence[str], what: str) -> None:
    """Run a reload; :class:`BackendUnavailable` when it fails (the server is down or unreachable)."""
    if (reason := _failure(command)) is not None:
        log.warning("%s reload failed: %s", what, reason)
        raise BackendUnavailable(f"{what} could not be reloaded: {reason}")


def wait_for_socket(path: Path, what: str, seconds: float) -> None:
    """Wait until a unix socket accepts connections; :class:`BackendUnavailable` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise BackendUnavailable(f"{what} did not open {path.name} within {seconds:.0f}s of its reload")
        time.sleep(0.05)
