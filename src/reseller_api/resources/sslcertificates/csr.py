"""What a certificate request's CSR says, checked with ``cryptography``.

A CSR is accepted when its signature is valid (the requester holds the key), its key is at
least 2048-bit RSA or an EC key on P-256 or larger, and every name in it (the common name
and the DNS SANs) is a domain name, ``*.`` allowed as the first label only. The names must
fit the ordered type: ``standard`` one name (``www.`` of it may come along, as CAs do),
``multi_domain`` several, ``wildcard`` one ``*.`` name (and its base name).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from reseller_api.rules import canonical_domain_name

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


class CsrProblem(ValueError):
    """Why a CSR cannot be ordered, worded for the reseller."""


@dataclass(frozen=True, slots=True)
class ParsedCsr:
    common_name: str
    names: tuple[str, ...]  # the common name first, then the other SANs, canonical, no duplicates
    der: bytes


def _name(raw: str) -> str:
    wildcard = raw.startswith("*.")
    canonical = canonical_domain_name(raw[2:] if wildcard else raw)
    if canonical is None:
        raise CsrProblem(f"{raw!r} in the CSR is not a domain name.")
    return f"*.{canonical}" if wildcard else canonical


def parse(pem: str) -> ParsedCsr:
    try:
        request = x509.load_pem_x509_csr(pem.strip().encode())
    except ValueError:
        raise CsrProblem(
            "csr is not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)."
        ) from None
    if not request.is_signature_valid:
        raise CsrProblem("The CSR's signature is not valid: it was not signed with its own key.")
    key = request.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrProblem(
                f"The CSR's RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are needed."
            )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise CsrProblem(f"The CSR's EC key is on {key.curve.name}; P-256 or larger is needed.")
    else:
        raise CsrProblem("The CSR's key is neither RSA (2048 bits or more) nor EC (P-256 or larger).")
    common_names = request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not common_names:
        raise CsrProblem("The CSR's subject has no common name (CN).")
    common_name = _name(str(common_names[0].value))
    names = [common_name]
    try:
        sans = request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        sans = None
    if sans is not None:
        if sans.get_values_for_type(x509.IPAddress):
            raise CsrProblem("The CSR names IP addresses; only domain names can be validated.")
        for raw in sans.get_values_for_type(x509.DNSName):
            name = _name(raw)
            if name not in names:
                names.append(name)
    return ParsedCsr(common_name, tuple(names), request.public_bytes(Encoding.DER))


def check_type(parsed: ParsedCsr, certificate_type: str) -> None:
    """The names fit the type ordered (see the module's docstring)."""
    wildcards = [n for n in parsed.names if n.startswith("*.")]
    if certificate_type == "wildcard":
        if not parsed.common_name.startswith("*."):
            raise CsrProblem("A wildcard certificate's common name is a *. name (*.example.com).")
        extra = set(parsed.names) - {parsed.common_name, parsed.common_name[2:]}
        if extra:
            raise CsrProblem(
                f"A wildcard certificate covers {parsed.common_name} and {parsed.common_name[2:]} only; "
                f"order a multi_domain certificate for {', '.join(sorted(extra))}."
            )
        return
    if wildcards:
        raise CsrProblem(f"{', '.join(wildcards)}: *. names need certificate_type wildcard.")
    if certificate_type == "standard":
        extra = set(parsed.names) - {parsed.common_name, f"www.{parsed.common_name}"}
        if extra:
            raise CsrProblem(
                f"A standard certificate is for one name ({parsed.common_name}); "
                f"order a multi_domain certificate for {', '.join(sorted(extra))}."
            )
    elif certificate_type == "multi_domain" and len(parsed.names) < 2:
        raise CsrProblem("A multi_domain certificate's CSR names several domain names (SANs).")
