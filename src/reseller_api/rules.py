"""Validation rules shared by several resources: passwords and domain names."""

from __future__ import annotations

import re

import idna

from reseller_api.errors import FieldProblem, define

PASSWORD_INVALID = define(
    "password_invalid",
    400,
    "Passwords must be 8-20 characters, a mix of letters and digits with at least one of each, "
    "without spaces and without any of * € $ & + } { ' \" \\.",
)
DOMAIN_NAME_INVALID = define("domain_name_invalid", 400, "The domain name is not valid.")

_FORBIDDEN = set("*€$&+}{'\"\\")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def password_problem(password: str, field: str = "password") -> FieldProblem | None:
    """None when ``password`` follows the API's password rules, else the problem."""
    reasons = []
    if not 8 <= len(password) <= 20:
        reasons.append("must be between 8 and 20 characters")
    if not any(c.isascii() and c.isdigit() for c in password):
        reasons.append("must contain at least one digit")
    if not any(c.isascii() and c.isalpha() for c in password):
        reasons.append("must contain at least one letter")
    if any(c.isspace() for c in password):
        reasons.append("cannot contain spaces")
    bad = sorted(set(password) & _FORBIDDEN)
    if bad:
        reasons.append("cannot contain " + " ".join(bad))
    if not reasons:
        return None
    return FieldProblem(PASSWORD_INVALID.code, f"{field} " + ", ".join(reasons) + ".")


def canonical_domain_name(name: str) -> str | None:
    """The domain in canonical form (lowercase A-labels, no trailing dot), or None if invalid.

    Accepts IDNs in Unicode (``bücher.be``) or as A-labels (``xn--bcher-kva.be``); a name
    needs at least two labels and an alphabetic TLD.
    """
    name = name.strip().rstrip(".")
    if not name or len(name) > 253:
        return None
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253:
        return None
    if not all(_LABEL.match(label) for label in labels):
        return None
    tld = labels[-1]
    if not (tld.isalpha() or (tld.startswith("xn--") and len(tld) > 4)):
        return None
    return ascii_name
