"""Headers that limit what a page can do, CORS for the configured origins only."""

import re

import pytest

PUBLIC_SITE = "https://tuyengiao.khanhhoa.example"


@pytest.mark.parametrize(
    "url", ["/", "/?q=hoi", "/articles/kg-2022-giao-ban-q1", "/searches", "/api/search", "/khong"]
)
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "url", ["/", "/?q=hoi nghi", "/articles/kg-2022-giao-ban-q1", "/searches", "/khong"]
)
def test_pages_have_no_inline_script_or_style(client, url):
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
