"""Relative paths of resources, as ``Location`` headers and ``resource_links`` carry them.

Relative, as the vendor sends them, and valid URLs: each segment percent-encoded, so an SSH
key's fingerprint (base64: ``/``, ``+``, ``=``) is one segment and clients that split a
``Location`` on ``/`` (most do) find the id where they expect it. ``@`` and ``:`` stay as
they are (both are allowed in a path segment): e-mail addresses and ``SHA256:`` read as
themselves.
"""

from __future__ import annotations

from urllib.parse import quote


def location(*segments: str | int) -> str:
    """``/v2/`` and the segments, each percent-encoded: ``location("dns", "a.com", "records", "1-2")``."""
    return "/v2/" + "/".join(quote(str(segment), safe="@:") for segment in segments)
