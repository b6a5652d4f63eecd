"""The Python SDK for the Public API v2 (grows into Client/AsyncClient; see signing for HMAC)."""
