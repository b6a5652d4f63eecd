"""SSL certificate requests (CSRs, domain validations, issuing) and SSL certificates."""
