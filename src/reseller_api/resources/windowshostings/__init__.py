"""Windows hostings: provisioned from a servicepack's ``windows_hosting`` asset, read-only on the API."""
