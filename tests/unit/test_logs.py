"""logs.py: one line format for every logger, as text or JSON, with the request's context."""

from __future__ import annotations


def test_log_lines_in_both_formats() -> None:
    import json
    import logging

    from reseller_api.logs import CURRENT_REQUEST, JsonFormatter, RequestInfo, TextFormatter

    record = logging.LogRecord("reseller_api", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    record.created, record.msecs = 1_800_000_000.25, 250.0
    assert TextFormatter().format(record) == "2027-01-15T08:00:00.250Z INFO reseller_api: hello there"
    token = CURRENT_REQUEST.set(RequestInfo("4f1c", "GET", "/v2/accounts", reseller_id=3))
    try:
        text = TextFormatter().format(record)
        document = json.loads(JsonFormatter().format(record))
    finally:
        CURRENT_REQUEST.reset(token)
    assert text.endswith("hello there request_id=4f1c method=GET path=/v2/accounts reseller_id=3")
    assert document == {
        "time": "2027-01-15T08:00:00.250Z",
        "level": "INFO",
        "logger": "reseller_api",
        "message": "hello there",
        "request_id": "4f1c",
        "method": "GET",
        "path": "/v2/accounts",
        "reseller_id": 3,
    }
