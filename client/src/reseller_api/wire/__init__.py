"""The API's wire shapes: msgspec Structs field for field as the reference YAML's schemas.

One module per resource, shared by the server (which decodes requests into them and encodes
answers from them) and the SDK (which does the reverse), so the two never drift. This package
ships with the SDK (the ``reseller-api-client`` distribution) and imports only msgspec and the
standard library: whatever needs the server (rules reading the database, Litestar) stays in
``reseller_api.resources``.
"""
