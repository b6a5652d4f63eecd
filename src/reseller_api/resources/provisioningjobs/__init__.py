"""Provisioning jobs as the API shows them."""
