"""Every GET endpoint under hostile input (hypothesis), through the Flask test client and
through the real gunicorn: never a 5xx, every refusal in the error shape of its route (JSON
or the Vietnamese page), security headers on every answer, documented statuses and bodies
on the API, and every answer within a bound."""

import json
import re
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search_service.web import errors
from search_service.web.openapi import DOCUMENT
from search_service.web.security import HEADERS

from ..hostile import encoded, hostile_text, parameters, query_string
from .conftest import fetch, get_routes
from .html import assert_no_markup_injected, page, texts
from .openapi_check import check

# A hang guard, not a speed test: the slowest answer here (a CSV export) takes milliseconds.
DEADLINE_MS = 5_000
REAL_IDS = ("xss-hoi-nghi", "a1", "../../api/search?q=x")
TRAVERSALS = (
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/setup.cfg",
    "..\\..\\setup.cfg",
    "x%00.css",
    "%00",
    "style.css%00.html",
    "/etc/passwd",
)
_VARIABLE = re.compile(r"<[^>]+>")
# gunicorn_conf's limit_request_line: a longer request line is refused by gunicorn itself.
GUNICORN_REQUEST_LINE = 8190


def documented_path(rule: str) -> str | None:
    """The OpenAPI path of a rule, None for routes the API does not document (pages)."""
    path = _VARIABLE.sub("{id}", rule)
    return path if path in DOCUMENT["paths"] else None


def path_value() -> st.SearchStrategy[str]:
    """What a client may put in a path: real ids, traversals, hostile text (encoded)."""
    return st.one_of(
        st.sampled_from(REAL_IDS).map(encoded),
        st.sampled_from(TRAVERSALS),
        hostile_text(2000).map(encoded),
    )


def assert_answered_well(response, rule: str, seconds: float) -> None:
    """The properties every answer has, whatever was asked."""
    status = response.status_code
    assert status < 500, (status, response.get_data(as_text=True)[:500])
    assert seconds < DEADLINE_MS / 1000
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    json_route = rule.startswith("/api/") or rule == "/health"
    if status >= 400 and json_route:
        error = response.get_json()["error"]
        assert list(error) == ["code", "message", "message_vi"] and error["message"]
        assert error["message_vi"] == errors.MESSAGES_VI[error["code"]]
    elif status >= 400:
        assert texts(page(response), "//h1") in ([m] for m in errors.MESSAGES_VI.values())
    elif response.mimetype == "text/html":
        assert_no_markup_injected(page(response))
    if json_route and documented_path(rule):
        check(documented_path(rule), response)


@pytest.mark.slow
@settings(max_examples=250, deadline=DEADLINE_MS)
@given(data=st.data())
def test_every_get_endpoint_answers_any_input_well(hostile_app, data):
    rule = data.draw(st.sampled_from(get_routes(hostile_app)), label="route")
    path = _VARIABLE.sub(lambda _: data.draw(path_value(), label="path value"), rule)
    pairs = data.draw(parameters(), label="query")
    client = hostile_app.test_client()
    started = time.monotonic()
    response = client.get(f"{path}?{query_string(pairs)}")
    response.get_data()  # a streamed answer (the CSV export) runs to its end here
    assert_answered_well(response, rule, time.monotonic() - started)


def test_every_get_route_is_fuzzed(hostile_app):
    # The routes drawn from above are the app's own: a new endpoint is fuzzed too.
    documented = {path for path, operations in DOCUMENT["paths"].items() if "get" in operations}
    assert {documented_path(r) for r in get_routes(hostile_app)} >= documented
    assert {"/", "/articles/<article_id:article_id>", "/search.csv", "/searches"} <= set(
        get_routes(hostile_app)
    )


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/search?q=%ED%A0%80", 400),  # a lone surrogate, encoded as UTF-8 would
        ("/api/search?q=h%FFi", 400),
        ("/api/suggest?q=%C3", 400),
        ("/health?x=%80", 400),
        ("/api/search?q=" + encoded("hội nghị " * 1000), 413),
        ("/api/sectors?x=" + "a" * 8001, 413),
    ],
)
def test_undecodable_or_oversized_query_strings_are_refused_clearly(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    code = "bad_parameter" if status == 400 else "request_too_large"
    assert response.get_json()["error"]["code"] == code


@pytest.mark.slow
@settings(max_examples=25, deadline=DEADLINE_MS)
@given(
    route=st.sampled_from(("/", "/api/search", "/api/suggest", "/search.csv", "/api/articles/")),
    pairs=parameters(2500),
    raw=st.binary(max_size=40),
)
def test_gunicorn_answers_any_query_string_well(hostile_server, route, pairs, raw):
    # Raw bytes percent-encoded, as a client that sends no UTF-8 would.
    target = f"{route}{'x' if route.endswith('/') else ''}?{query_string(pairs)}&raw="
    target += "".join(f"%{byte:02X}" for byte in raw)
    status, headers, body = fetch(hostile_server.url + target)
    assert status < 500, body[:300]
    if len(f"GET {target} HTTP/1.1") > GUNICORN_REQUEST_LINE:
        assert status in (400, 414)  # gunicorn's own answer: the app never sees it
        return
    assert headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
    if status >= 400 and route.startswith("/api/"):
        assert set(json.loads(body)["error"]) == {"code", "message", "message_vi"}


@pytest.mark.slow
def test_gunicorn_refuses_a_huge_body_and_an_unreadable_request_line(hostile_server):
    status, _, body = fetch(hostile_server.url + "/api/search", "POST", b"x" * 100_000)
    assert status == 413 and json.loads(body)["error"]["code"] == "request_too_large"
    # Bytes no client may send in a request line: gunicorn itself refuses them, with a 4xx.
    host, port = hostile_server.url.removeprefix("http://").split(":")
    for line in (b"GET /\xff\x00 HTTP/1.1", b"GET /" + b"a" * 9000 + b" HTTP/1.1"):
        with socket.create_connection((host, int(port)), timeout=DEADLINE_MS / 1000) as raw:
            raw.sendall(line + b"\r\nHost: x\r\n\r\n")
            answer = raw.recv(4096)
        assert re.match(rb"HTTP/1\.[01] 4\d\d ", answer), answer[:100]
    assert fetch(hostile_server.url + "/health")[0] == 200
