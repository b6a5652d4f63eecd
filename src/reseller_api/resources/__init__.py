"""The API's resources, one package each with the same shape (docs/adding-a-resource.md):

``service.py`` (the rules), ``routes.py`` (a Litestar Controller with its full ``/v2/...``
path), ``jobs.py`` where the resource is provisioned asynchronously, and ``manifest.py``, which
declares what the package contributes (controllers, job kinds, error codes, backend sync).
``registry.py`` lists the manifests; its wire shapes (msgspec Structs mirroring the reference
YAML) are ``reseller_api.wire.<name>``, shipped with the SDK.

Importing this package imports nothing else: one resource's module does not bring every
controller (and Litestar) with it.
"""
