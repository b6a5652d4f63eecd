"""What to do about an error: the line ``resellerctl`` prints under it, by error code or status."""

from __future__ import annotations

from reseller_api.client.errors import ApiError, NotFoundError, RateLimitError, ServerError, TransportError

_BY_CODE = {
    "authorization_hmac_invalid": "the secret does not match this key: was the secret rotated? "
    "run `resellerctl configure` with the new one",
    "authorization_api_key_invalid": "this key is unknown or revoked: create a key in the control panel, "
    "then run `resellerctl configure`",
    "authorization_ip_not_whitelisted": "this machine's address is not whitelisted for the key: add it in "
    "the control panel (API keys, then the key, then Whitelist)",
    "authorization_timestamp_invalid": "this machine's clock is off: set it right (e.g. `timedatectl "
    "set-ntp true`) and try again",
    "authorization_nonce_reused": "a request was sent twice: try again",
    "authorization_header_missing": "no credentials were sent: run `resellerctl configure`",
    "auth_authorization_header_invalid_format": "the credentials are malformed: run `resellerctl configure`",
}


def hint_for(exc: ApiError, base_url: str = "") -> str | None:
    """One sentence saying how to fix ``exc``, or None when the error says it all."""
    if exc.error_code in _BY_CODE:
        return _BY_CODE[exc.error_code]
    if isinstance(exc, TransportError):
        where = base_url or (str(exc.request.url.copy_with(path="/", query=None)) if exc.request else "")
        return (
            f"is the server running at {where}? check RESELLER_API_URL, or the profile's url "
            "(`resellerctl configure --url URL`)"
        )
    if isinstance(exc, RateLimitError):
        wait = f" {exc.retry_after:.0f} s" if exc.retry_after is not None else " a moment"
        return f"this key's rate limit is reached: wait{wait}, or ask for a higher limit"
    if isinstance(exc, NotFoundError):
        return "check the name or id (the `list` commands show what exists)"
    if isinstance(exc, ServerError):
        return "the server failed; try again later, and tell its operator if it keeps failing"
    return None
