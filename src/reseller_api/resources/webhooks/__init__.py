"""``/v2/webhooks``: signed event notifications, our extension to the vendor's API (docs/extensions.md)."""
