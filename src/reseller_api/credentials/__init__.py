"""Resellers, their API keys and IP whitelists: managed by operators, read on every request."""
