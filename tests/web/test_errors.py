"""Every error has one shape and the right status; nothing a client sends gives a 500."""

from urllib.parse import quote

import pytest

from search_service.search import searching as search_module
from search_service.web import errors

from .conftest import STAFF
from .html import page, texts

JSON_ENDPOINTS = [
    "/api/search?q=hoi",
    "/api/articles/kg-2022-giao-ban-q1",
    "/api/articles/kg-2022-giao-ban-q1/related",
    "/api/suggest?q=hoi",
    "/api/sectors",
    "/api/topics",
    "/health",
]
PAGES = ["/?q=hoi", "/articles/kg-2022-giao-ban-q1", "/search.csv?q=hoi"]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ["code", "message", "message_vi"]
    assert body["error"]["code"] == code
    assert body["error"]["message_vi"] == errors.MESSAGES_VI[code]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/search?from=31/02/2021", 400, "bad_parameter"),
        ("/api/search?to=2021-13-01", 400, "bad_parameter"),
        ("/api/search?from=2022-01-01&to=2021-01-01", 400, "bad_parameter"),
        ("/api/search?limit=10000", 400, "bad_parameter"),
        ("/api/search?limit=abc", 400, "bad_parameter"),
        ("/api/search?page=-1", 400, "bad_parameter"),
        ("/api/search?page=1000&limit=100", 400, "bad_parameter"),
        ("/api/search?sort=popular", 400, "bad_parameter"),
        ("/api/suggest?q=hoi&format=xml", 400, "bad_parameter"),
        ("/api/suggest?q=hoi&limit=11", 400, "bad_parameter"),
        ("/api/articles/x/related?limit=" + "9" * 4500, 400, "bad_parameter"),
        ("/api/searches", 401, "login_required"),
        ("/api/articles/khong-co", 404, "article_not_found"),
        ("/api/articles/khong-co/related", 404, "article_not_found"),
        ("/api/khong-co", 404, "not_found"),
        ("/api/search?q=" + "hội nghị " * 2000, 413, "request_too_large"),
    ],
)
def test_json_errors_have_one_shape(client, url, status, code):
    assert_error(client.get(url), status, code)


def test_a_large_body_is_refused_before_anything_else(client):
    assert_error(client.post("/api/search", data=b"x" * 20_000), 413, "request_too_large")
    assert_error(client.post("/api/search", data=b"x"), 405, "method_not_allowed")


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_without_an_index_the_api_answers_503(make_app, tmp_path, url):
    client = make_app(INDEX=str(tmp_path / "nothing-here")).test_client()
    response = client.get(url)
    assert_error(response, 503, "index_missing")
    assert str(tmp_path / "nothing-here") in response.get_json()["error"]["message"]


@pytest.mark.parametrize("url", PAGES)
def test_without_an_index_the_pages_answer_503_in_vietnamese(make_app, tmp_path, url):
    client = make_app(INDEX=str(tmp_path / "nothing-here")).test_client()
    response = client.get(url)
    assert response.status_code == 503
    assert texts(page(response), "//h1") == ["Chưa có dữ liệu để tìm kiếm. Vui lòng thử lại sau."]


def test_an_index_of_another_schema_answers_503(make_app, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "service.json").write_text('{"schema_version": 0}')
    client = make_app(INDEX=str(tmp_path / "old")).test_client()
    assert_error(client.get("/health"), 503, "schema_mismatch")


def test_a_bug_is_a_500_without_details(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(search_module, "_search", broken)
    response = client.get("/api/search?q=một truy vấn chưa từng tìm")
    assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text
    html = client.get("/?q=một truy vấn chưa từng tìm")
    assert html.status_code == 500
    assert texts(page(html), "//h1") == ["Đã có lỗi ở máy chủ. Vui lòng thử lại sau."]


NASTY = [
    "",
    " ",
    "\x00",
    "%",
    "'\"<>&",
    "<script>alert(1)</script>",
    "title:",
    'author:"',
    "-",
    '"',
    "OR OR AND NOT",
    "(((",
    "*?~^",
    "\ud800",
    "🙂" * 50,
    "a" * 1000,
    "Hội\u0301 nghị\u0323",
    "ﬁ ǅ İ",
    "10-CT/TW/",
    "9" * 400,
]
PARAMETERS = ["q", "from", "to", "sector", "topic", "related_to", "sort", "page", "limit"]


def escaped(value: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate becomes bytes that are not UTF-8 at all."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("value", NASTY)
def test_nothing_a_client_sends_is_a_500(client, value):
    for name in PARAMETERS:
        for url in ("/api/search", "/", "/search.csv"):
            response = client.get(f"{url}?{name}={escaped(value)}")
            assert response.status_code in (200, 400), (url, name, value)
            response.close()
    for url in (
        "/api/suggest?q={}&limit={}",
        "/api/articles/x{}",
        "/articles/x{}",
        "/searches?days={}",
    ):
        response = client.get(url.format(escaped(value), escaped(value)), headers=STAFF)
        assert response.status_code in (200, 400, 404), (url, value)
