"""The SDK's version (the distribution ``reseller-api-client``; its User-Agent, ``resellerctl --version``)."""

__version__ = "0.1.0"
