"""Mail zones: the mail side of a domain (aliases, catch-all, anti-spam, SMTP domains)."""
