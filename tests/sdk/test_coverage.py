"""Every operation of the server's OpenAPI document has an SDK method (issue 14, item 7).

The SDK's requests are recorded, not read from its source: every public method of every
resource of a :class:`Client` is called once with stand-in arguments, through a transport that
notes the request and answers 404 (so nothing waits, retries or decodes). Each request is then
matched to the document's operations by method and path template; an operation no request
matched fails the test. A new route therefore needs its SDK method in the same change.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any, get_origin

import httpx
import pytest
from litestar.testing import TestClient

from reseller_api.client import ApiError, Client
from reseller_api.client import resources as resource_package
from reseller_api.client.resources import Operation, Paginated, Resource
from reseller_api.client.resources.catalog import declared_resources

# Operations the SDK deliberately does not offer, each with why. The vendor's text and YAML
# sometimes give one operation two paths (tests/data/README.md): the SDK sends one of them.
NOT_IN_THE_SDK: dict[tuple[str, str], str] = {
    ("POST", "/v2/mailboxes/{mailbox_name}"): "the API text's form of CreateMailbox; "
    "mailboxes.create sends the YAML's POST /v2/mailboxes, which creates the same mailbox",
}


class Recorder(httpx.BaseTransport):
    """Notes each request's method and path; answers every one with the API's 404."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path))
        return httpx.Response(404, json={"error_code": "not_found", "error_text": "recorded"})


def _stand_in(parameter: inspect.Parameter) -> Any:
    """A value the SDK accepts for a required parameter, from its (string) annotation."""
    annotation = str(parameter.annotation)
    literal = re.search(r"Literal\[['\"]([^'\"]+)['\"]", annotation)
    if literal:
        return literal[1]
    for kind, value in (("bytes", b"x"), ("int", 1), ("bool", True), ("list", []), ("dict", {})):
        if re.match(rf"{kind}\b", annotation):
            return value
    return "x"


def _methods(resource: Resource[Any]) -> Iterator[tuple[str, Callable[..., Any], inspect.Signature]]:
    for name, attribute in inspect.getmembers(type(resource)):
        if name.startswith("_"):
            continue
        if isinstance(attribute, Operation | Paginated):
            function = attribute.build
        elif inspect.isfunction(attribute):
            function = attribute
        else:
            continue
        yield name, getattr(resource, name), inspect.signature(function)


def _call_everything(resource: Resource[Any], where: str, seen: set[str]) -> None:
    for name, method, signature in _methods(resource):
        arguments = [
            _stand_in(p)
            for p in list(signature.parameters.values())[1:]
            if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        keywords = {
            p.name: _stand_in(p)
            for p in signature.parameters.values()
            if p.default is inspect.Parameter.empty and p.kind is p.KEYWORD_ONLY
        }
        try:
            result = method(*arguments, **keywords)
            if isinstance(result, Iterator):
                next(result)
        except ApiError:
            continue  # the request was sent (and recorded)
        if isinstance(result, Resource):  # a nested resource: client.dns.records(domain)
            _call_everything(result, f"{where}.{name}", seen)
        seen.add(f"{where}.{name}")


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?$")


def test_every_operation_of_the_openapi_document_has_an_sdk_method(test_client: TestClient[Any]) -> None:
    document = test_client.get("/v2/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert len(operations) > 70  # the vendor's 74, ours besides

    recorder = Recorder()
    with Client("http://sdk.invalid", "key", "secret", transport=recorder) as client:
        resources = {name: value for name, value in vars(client).items() if isinstance(value, Resource)}
        assert {"accounts", "dns", "linuxhostings", "webhooks"} <= set(resources)
        for name, resource in resources.items():
            _call_everything(resource, name, set())

    patterns = {operation: _template(operation[1]) for operation in operations}
    covered = {
        operation
        for method, path in recorder.sent
        for operation, pattern in patterns.items()
        if operation[0] == method and pattern.match(path)
    }
    unknown = [
        (method, path)
        for method, path in recorder.sent
        if not any(op[0] == method and pattern.match(path) for op, pattern in patterns.items())
    ]
    assert unknown == [], "the SDK sends requests no operation of the document serves"
    missing = sorted(operations - covered - set(NOT_IN_THE_SDK))
    assert missing == [], "operations without an SDK method (reseller_api/client/resources/)"


def test_every_resource_module_is_declared_on_the_clients() -> None:
    """A module of ``client/resources/`` whose resource no line of ``catalog.py`` names fails here.

    The test above only calls what the clients hold: a new module left out of the catalog
    would be missed by it (and by users), its operations counted missing without saying why.
    """
    declared = {get_origin(hint) for hint in declared_resources().values()}
    undeclared = []
    for info in pkgutil.iter_modules(resource_package.__path__):
        if info.name == "catalog":
            continue
        module = importlib.import_module(f"{resource_package.__name__}.{info.name}")
        classes = {
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, Resource) and value.__module__ == module.__name__
        }
        if classes and not classes & declared:
            undeclared.append(info.name)
    assert undeclared == [], "resource modules no attribute of Resources (resources/catalog.py) declares"
    with Client("http://sdk.invalid", "key", "secret", transport=Recorder()) as client:
        held = {name: type(value) for name, value in vars(client).items() if isinstance(value, Resource)}
    assert held == {name: get_origin(hint) for name, hint in declared_resources().items()}


@pytest.mark.parametrize(
    ("path", "sent", "matches"),
    [
        ("/v2/accounts/{accountId}", "/v2/accounts/1", True),
        ("/v2/accounts/{accountId}", "/v2/accounts/1/addons", False),
        ("/v2/dns/{domainName}/records", "/v2/dns/x/records", True),
    ],
)
def test_a_path_template_matches_one_segment_per_parameter(path: str, sent: str, matches: bool) -> None:
    assert bool(_template(path).match(sent)) is matches
