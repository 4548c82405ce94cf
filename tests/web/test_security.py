"""Headers that limit what a page can do, on every answer, errors included; pages without
inline script or style, as the policy requires; CORS for the configured origins only."""

import re

import pytest

from search_service.search import searching as search_module
from search_service.web.security import HEADERS

from .broken_app import SECRET
from .conftest import STAFF, get_routes

PUBLIC_SITE = "https://tuyengiao.khanhhoa.example"
ROUTE_VALUES = {"article_id": "kg-2022-giao-ban-q1", "filename": "style.css"}
ERRORS = [
    ("GET", "/khong-co-trang-nay", 404),
    ("GET", "/api/khong-co", 404),
    ("GET", "/articles/khong-co", 404),
    ("GET", "/api/articles/khong-co/related", 404),
    ("GET", "/static/khong-co.js", 404),
    ("GET", "/?page=abc", 400),
    ("GET", "/search.csv?from=31/02/2021", 400),
    ("GET", "/api/search?limit=1e9", 400),
    ("GET", "/api/suggest?q=%ED%A0%80", 400),
    ("GET", "/searches?days=" + "9" * 5000, 400),
    ("GET", "/?q=" + "a" * 8001, 413),
    ("GET", "/health?x=" + "a" * 8001, 413),
    ("POST", "/api/search", 405),
    ("DELETE", "/articles/kg-2022-giao-ban-q1", 405),
]


def route_urls(app) -> list[str]:
    """A URL of every GET route, with a real value for each of its variables."""
    return [
        re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ROUTE_VALUES[m[1]], rule) for rule in get_routes(app)
    ]


def assert_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.path)
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_every_route_answers_with_the_security_headers(client, app):
    urls = route_urls(app)
    assert len(urls) == len(get_routes(app)) >= 15
    for url in urls:
        with client.get(url, headers=STAFF) as response:  # a static file is streamed
            assert response.status_code == 200, url
            assert_headers(response)


@pytest.mark.parametrize(("method", "url", "status"), ERRORS)
def test_every_error_answers_with_the_security_headers(client, method, url, status):
    with client.open(url, method=method, headers=STAFF) as response:
        assert response.status_code == status
        assert_headers(response)


def test_internal_errors_and_a_missing_index_answer_with_the_headers(
    client, make_app, tmp_path, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(search_module, "_search", broken)
    for url in ("/?q=lỗi nội bộ", "/api/search?q=lỗi nội bộ", "/search.csv?q=lỗi nội bộ"):
        response = client.get(url)
        assert response.status_code == 500
        assert_headers(response)
        assert SECRET not in response.get_data(as_text=True)
    missing = make_app(INDEX=str(tmp_path / "khong-co")).test_client()
    for url in ("/", "/health", "/articles/x"):
        response = missing.get(url)
        assert response.status_code == 503
        assert_headers(response)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=hoi nghi",
        "/articles/kg-2022-giao-ban-q1",
        "/searches",
        "/khong-co",
        "/articles/x",
        "/?page=abc",
        "/?q=" + "a" * 8001,
    ],
)
def test_pages_and_error_pages_have_no_inline_script_or_style(client, url):
    html = client.get(url).get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"\son[a-z]+=", html) == []


def test_cors_answers_only_the_configured_origins(make_app):
    client = make_app(CORS_ORIGINS=(PUBLIC_SITE,)).test_client()
    allowed = client.get("/api/suggest?q=hoi", headers={"Origin": PUBLIC_SITE})
    assert allowed.headers["Access-Control-Allow-Origin"] == PUBLIC_SITE
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/suggest?q=hoi", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
    page = client.get("/", headers={"Origin": PUBLIC_SITE})
    assert "Access-Control-Allow-Origin" not in page.headers
    preflight = client.options("/api/search", headers={"Origin": PUBLIC_SITE})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == PUBLIC_SITE


def test_no_origin_is_allowed_by_default(client):
    response = client.get("/api/search", headers={"Origin": PUBLIC_SITE})
    assert "Access-Control-Allow-Origin" not in response.headers
