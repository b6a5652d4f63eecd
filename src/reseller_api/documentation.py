"""The words of the API documentation page: introduction, a worked signature, errors, tags.

The signature example is computed, when the app is built, by the SDK's own signing code from
the values below, so what the page shows is what a correct client sends (a test checks that
the server's verifier accepts it and that the code samples print the same signature).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar.openapi.spec import OpenAPI, Tag

from reseller_api.client.signing import php_urlencode, signature
from reseller_api.docs import catalogue

TITLE = "Reseller Public API"


@dataclass(frozen=True)
class SignatureExample:
    """One signed request, every intermediate value spelled out."""

    api_key: str = "3f69fba4c2d10e9b8a7f6e5d4c3b9293"
    api_secret: str = "q2JxN7b4Zb9Xk7yT6c0fQm3S8d1Lr5aE0wN2q0n1XzX"  # noqa: S105 - an example, on the page
    method: str = "POST"
    target: str = "/v2/accounts"
    body: bytes = b'{"identifier":"example.com","servicepack_id":1,"ftp_password":"Secret123x"}'
    timestamp: int = 1767225600  # 2026-01-01T00:00:00Z
    nonce: str = "5f1c0e2a9b7d4c3e8f6a1b2c3d4e5f60"

    @property
    def content(self) -> str:
        return base64.b64encode(hashlib.md5(self.body).digest()).decode()  # noqa: S324 - the API's scheme

    @property
    def encoded_target(self) -> str:
        return php_urlencode(self.target)

    @property
    def message(self) -> str:
        method, path = self.method.lower(), self.encoded_target
        return f"{self.api_key}{method}{path}{self.timestamp}{self.nonce}{self.content}"

    @property
    def hmac_hex(self) -> str:
        return hmac.new(self.api_secret.encode(), self.message.encode(), hashlib.sha256).hexdigest()

    @property
    def signature(self) -> str:
        return signature(
            self.api_key, self.api_secret, self.method, self.target, self.body, self.timestamp, self.nonce
        )

    @property
    def header(self) -> str:
        return f"hmac {self.api_key}:{self.signature}:{self.nonce}:{self.timestamp}"


EXAMPLE = SignatureExample()


def code_samples(e: SignatureExample = EXAMPLE) -> dict[str, str]:
    """Each prints the example's signature; tests run those whose interpreter is installed."""
    body = e.body.decode()
    return {
        "Python": f'''import base64, hashlib, hmac
from urllib.parse import quote_plus

api_key, api_secret = "{e.api_key}", "{e.api_secret}"
method, target = "{e.method}", "{e.target}"
body = b'{body}'
timestamp, nonce = {e.timestamp}, "{e.nonce}"  # int(time.time()), secrets.token_hex(16)

content = base64.b64encode(hashlib.md5(body).digest()).decode() if body else ""
path = quote_plus(target, safe="").replace("~", "%7E")  # PHP urlencode
message = f"{{api_key}}{{method.lower()}}{{path}}{{timestamp}}{{nonce}}{{content}}"
digest = hmac.new(api_secret.encode(), message.encode(), hashlib.sha256).digest()
signature = base64.b64encode(digest).decode()
print(signature)
print(f"Authorization: hmac {{api_key}}:{{signature}}:{{nonce}}:{{timestamp}}")
''',
        "PHP": f"""<?php
$apiKey = '{e.api_key}';
$apiSecret = '{e.api_secret}';
$method = '{e.method}';
$target = '{e.target}';
$body = '{body}';
$timestamp = {e.timestamp};  // time()
$nonce = '{e.nonce}';  // bin2hex(random_bytes(16))

$content = $body === '' ? '' : base64_encode(md5($body, true));
$message = $apiKey . strtolower($method) . urlencode($target) . $timestamp . $nonce . $content;
$signature = base64_encode(hash_hmac('sha256', $message, $apiSecret, true));
echo $signature, "\\n";
echo "Authorization: hmac $apiKey:$signature:$nonce:$timestamp\\n";
""",
        "Go": f"""package main

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

func main() {{
	apiKey, apiSecret := "{e.api_key}", "{e.api_secret}"
	method, target := "{e.method}", "{e.target}"
	body := []byte(`{body}`)
	timestamp, nonce := int64({e.timestamp}), "{e.nonce}" // time.Now().Unix(), a random hex string

	content := ""
	if len(body) > 0 {{
		sum := md5.Sum(body)
		content = base64.StdEncoding.EncodeToString(sum[:])
	}}
	path := strings.ReplaceAll(url.QueryEscape(target), "~", "%7E")
	message := fmt.Sprintf("%s%s%s%d%s%s", apiKey, strings.ToLower(method), path, timestamp, nonce, content)
	mac := hmac.New(sha256.New, []byte(apiSecret))
	mac.Write([]byte(message))
	signature := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	fmt.Println(signature)
	fmt.Printf("Authorization: hmac %s:%s:%s:%d\\n", apiKey, signature, nonce, timestamp)
}}
""",
        "TypeScript": f"""import {{ createHash, createHmac }} from "node:crypto";

const apiKey: string = "{e.api_key}";
const apiSecret: string = "{e.api_secret}";
const method: string = "{e.method}";
const target: string = "{e.target}";
const body: string = '{body}';
const timestamp: number = {e.timestamp}; // Math.floor(Date.now() / 1000)
const nonce: string = "{e.nonce}"; // randomBytes(16).toString("hex")

// PHP urlencode: encodeURIComponent, then the characters it leaves alone, and spaces as +.
const phpUrlencode = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
const content: string = body ? createHash("md5").update(body).digest("base64") : "";
const message: string = apiKey + method.toLowerCase() + phpUrlencode(target) + timestamp + nonce + content;
const signature: string = createHmac("sha256", apiSecret).update(message).digest("base64");
console.log(signature);
console.log(`Authorization: hmac ${{apiKey}}:${{signature}}:${{nonce}}:${{timestamp}}`);
""",
        "Shell": f"""api_key='{e.api_key}'
api_secret='{e.api_secret}'
method=post  # lowercase
path='{e.encoded_target}'  # the target, urlencoded (here /v2/accounts)
body='{body}'
timestamp={e.timestamp}  # $(date +%s)
nonce='{e.nonce}'  # $(openssl rand -hex 16)

content=$(printf '%s' "$body" | openssl dgst -md5 -binary | base64)
signature=$(printf '%s' "$api_key$method$path$timestamp$nonce$content" \\
  | openssl dgst -sha256 -hmac "$api_secret" -binary | base64)
echo "$signature"
curl -X POST "https://api.example.net/v2/accounts" -H "Content-Type: application/json" \\
  -H "Authorization: hmac $api_key:$signature:$nonce:$timestamp" --data "$body"
""",
    }


def _fence(language: str, code: str) -> str:
    return f"```{language}\n{code.rstrip()}\n```"


def authentication(e: SignatureExample = EXAMPLE) -> str:
    samples = code_samples(e)
    languages = {"Python": "python", "PHP": "php", "Go": "go", "TypeScript": "typescript", "Shell": "sh"}
    code = "\n\n".join(f"### {name}\n\n{_fence(languages[name], text)}" for name, text in samples.items())
    return f"""# Authentication

Every request under `/v2` carries an `Authorization` header that proves it was made with your
API secret, now, once: `hmac {{api key}}:{{signature}}:{{nonce}}:{{unix timestamp}}`. Get the key
and secret in the control panel (the secret is shown once), and whitelist the addresses your
requests come from: a key without a whitelisted address is refused.

## Signing a request, step by step

The worked example signs `{e.method} {e.target}` with the body below. Every value is real: the
server accepts this header when its clock reads {e.timestamp} (and the nonce is new).

| step | value |
| --- | --- |
| API key | `{e.api_key}` |
| API secret | `{e.api_secret}` |
| 1. the request body, byte for byte | `{e.body.decode()}` |
| 2. its MD5, base64-encoded (left out when the body is empty) | `{e.content}` |
| 3. the method, lowercased | `{e.method.lower()}` |
| 4. path and query as sent, urlencoded (PHP `urlencode`: uppercase hex) | `{e.encoded_target}` |
| 5. the unix timestamp, in seconds | `{e.timestamp}` |
| 6. a nonce: a random string, new for every request | `{e.nonce}` |
| 7. the string to sign: key, method, path, timestamp, nonce, body hash, concatenated | `{e.message}` |
| 8. HMAC-SHA256 of that string, keyed with the secret (hex) | `{e.hmac_hex}` |
| 9. the signature: those 32 bytes, base64-encoded | `{e.signature}` |
| 10. the header | `Authorization: {e.header}` |

The server also accepts the path lowercased before encoding, and encoded as RFC 3986 or .NET's
`WebUtility.UrlEncode` do, so the public clients of this API in any language work unchanged. A
timestamp more than a few minutes away from the server's clock, a nonce used before, or an address
that is not whitelisted is refused with 401 and its own `error_code` (see Errors).

## The same in code

Each prints the signature of step 9 for the example's values; use the current time, a fresh nonce
and your own key and secret in real requests.

{code}
"""


def errors_table() -> str:
    rows = "\n".join(f"| `{e.code}` | {e.status} | {e.text.replace('|', '&#124;')} |" for e in catalogue())
    return f"""# Errors

An error answer is JSON: `{{"error_code": "...", "error_text": "..."}}`, or for invalid input 400
`{{"validation_errors": [{{"error_code": "...", "error_text": "..."}}]}}`. Codes stay the same;
texts may be reworded. The catalogue is also served as JSON at
[/v2/documentation/errorcodes](/v2/documentation/errorcodes).

| code | status | meaning |
| --- | --- | --- |
{rows}
"""


INTRODUCTION = """\
The hosting reseller **Public API v2**: create accounts from servicepacks, and manage their DNS
records, domains, Linux hostings, mailboxes, mail zones, MySQL databases, SSL certificates and
Windows hostings over HMAC-signed HTTP. Creations that take time answer `202 Accepted` and a
provisioning job to follow.

Requests and answers are JSON (snake_case, ISO-8601 UTC dates). Collections are paged with
`skip` and `take` (default 25, at most 1000) and answer `X-Paging-Skipped`, `X-Paging-Take` and
`X-Paging-TotalResults`. Every answer carries the key's rate limit: `X-RateLimit-Limit`,
`-Usage`, `-Remaining` and `-Reset`; past it, `429 Too many requests, retry later` with
`Retry-After`.

From the shell, `resellerctl` does all of this for you; from Python, the `reseller_api.client` SDK.
"""


@cache
def description() -> str:
    return "\n".join([INTRODUCTION, authentication(), errors_table()])


TAGS = {
    "Accounts": "An account is an instance of a servicepack: ordering one provisions its Linux "
    "hosting, DNS zone and mail zone. Accounts are found by id or identifier (usually the domain).",
    "DNS records": "The records of the DNS zones you own: A, AAAA, CNAME, MX, SRV, TXT, ALIAS, TLSA "
    "and CAA, validated as a DNS server would.",
    "Domains": "Register or transfer domain names, set their name servers and automatic renewal.",
    "Linux hostings": "The Linux hostings of your accounts: PHP version and settings, FTP and SSH "
    "access, SSH keys, sites and host headers, Let's Encrypt, HTTP/2 and scheduled tasks.",
    "Mailboxes": "Mailboxes in your mail zones: create them, change passwords, auto-reply and auto-forward.",
    "Mail zones": "A domain's mail settings: aliases, catch-all addresses, anti-spam and SMTP domains.",
    "MySQL databases": "MySQL databases of your accounts and their users.",
    "Provisioning jobs": "What a `202 Accepted` points at: poll the job until it answers `201` with "
    "links to what it created (or reports `failed`).",
    "Servicepacks": "The catalogue: which packs (sets of assets) accounts can be made from.",
    "SSH": "SSH keys across all your Linux hostings.",
    "SSL certificate requests": "Order a certificate for a CSR: each name's DNS, file and e-mail "
    "validations, checked on request; issued by the installation's certificate authority.",
    "SSL certificates": "The certificates issued for your requests: their names, expiry, and the PEM file.",
    "Windows hostings": "Your accounts' Windows hostings (read-only): application pool, sites, FTP user.",
    "Webhooks": "Not part of the vendor's API (docs/extensions.md): endpoints that receive signed "
    "events (Standard Webhooks) when jobs end and resources change, with their delivery logs.",
}


def describe(openapi: OpenAPI) -> OpenAPI:
    """Give the document its title and a description for every tag (its own description is given
    to the app's OpenAPI config, which also says how bodies are read). Each operation's
    description is its route's own (``description=`` on the decorator, or the handler's docstring)."""
    openapi.info.title = TITLE
    used: set[str] = set()
    for item in (openapi.paths or {}).values():
        for method in ("get", "post", "put", "delete", "patch"):
            operation: Any = getattr(item, method, None)
            if operation is None:
                continue
            used.update(operation.tags or [])
    openapi.tags = [Tag(name=name, description=TAGS.get(name, "")) for name in sorted(used)]
    return openapi
