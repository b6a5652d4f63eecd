"""MySQL databases: provisioned per account, with their users."""
