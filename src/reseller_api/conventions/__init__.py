"""The conventions every endpoint shares: authentication, rate limits, paging, errors."""
