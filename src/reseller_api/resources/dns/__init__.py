"""DNS records of the zones a reseller owns: ``/v2/dns/{domainName}/records``."""
