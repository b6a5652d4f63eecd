"""The sandbox for integrators (``RESELLER_API_SANDBOX=true``; README "Testing your integration").

One idea per module: ``state`` (one row, cached for 0.1 s), ``clock`` (freeze, advance,
resume), ``jobs`` (estimate, instant, manual; release), ``faults`` (request and job
rules), ``fixtures`` (load, reset, dump through the real services), ``web`` (the
``/sandbox/...`` endpoints and the request faults), ``runtime`` (what a server switches on).
"""

from __future__ import annotations


class SandboxError(ValueError):
    """Input the sandbox cannot use: a 400 on /sandbox/..., exit 2 in the CLI."""
