"""The Standard Webhooks signature (https://www.standardwebhooks.com): the scheme itself lives
in the SDK (``reseller_api.client.webhooks``), so what the server signs is what receivers verify.

``webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">``,
keyed with the secret's bytes (``whsec_<base64>``: the part after the prefix, decoded).
"""

from __future__ import annotations

import base64
import secrets

from reseller_api.client.webhooks import PREFIX, sign


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


__all__ = ["PREFIX", "new_secret", "sign"]
