"""The JSON API: every endpoint and parameter, one error shape, the OpenAPI contract."""

import pytest

from search_service.search.types import MAX_LIMIT
from search_service.web.openapi import DOCUMENT

from .conftest import STAFF
from .openapi_check import check

ARTICLE = "kg-2022-giao-ban-q1"

# (documented path, real URL): one or more real requests for every documented status.
REQUESTS = [
    ("/api/search", "/api/search?q=hoi nghi giao ban"),
    ("/api/search", "/api/search?q=hooij nghij&sort=newest&limit=3&page=2"),
    ("/api/search", "/api/search?sector=Khoa giáo&sector=Tuyên truyền&topic=Covid-19"),
    ("/api/search", "/api/search?from=2021-01-01&to=31/12/2021&related_to=" + ARTICLE),
    ("/api/search", "/api/search?q=xyzzy"),
    ("/api/search", "/api/search?from=31/02/2021"),
    ("/api/search", f"/api/search?limit={MAX_LIMIT + 1}"),
    ("/api/search", "/api/search?page=-1"),
    ("/api/search", "/api/search?sort=popular"),
    ("/api/search", "/api/search?q=" + "a" * 20_000),
    ("/api/articles/{id}", f"/api/articles/{ARTICLE}"),
    ("/api/articles/{id}", "/api/articles/khong-co"),
    ("/api/articles/{id}/related", f"/api/articles/{ARTICLE}/related"),
    ("/api/articles/{id}/related", f"/api/articles/{ARTICLE}/related?limit=2"),
    ("/api/articles/{id}/related", "/api/articles/khong-co/related"),
    ("/api/articles/{id}/related", f"/api/articles/{ARTICLE}/related?limit=0"),
    ("/api/suggest", "/api/suggest?q=hoi ng"),
    ("/api/suggest", "/api/suggest?q=hoi ng&format=opensearch&limit=3"),
    ("/api/suggest", "/api/suggest?q="),
    ("/api/suggest", "/api/suggest?q=hoi&format=xml"),
    ("/api/suggest", "/api/suggest?q=hoi&limit=²"),
    ("/api/sectors", "/api/sectors"),
    ("/api/topics", "/api/topics"),
    ("/api/searches", "/api/searches"),
    ("/api/searches", "/api/searches?days=30"),
    ("/api/searches", "/api/searches?days=31"),
    ("/health", "/health"),
    ("/api/openapi.json", "/api/openapi.json"),
]


@pytest.mark.parametrize(("path", "url"), REQUESTS)
def test_responses_are_as_documented(client, path, url):
    # With the staff token, which only the search statistics read.
    check(path, client.get(url, headers=STAFF))


def test_every_route_is_documented_and_every_documented_path_exists(app):
    served = {
        (rule.rule.replace("<article_id:article_id>", "{id}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/health"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert served == documented
    # The writes are checked in test_writes.py.
    assert {(path, "get") for path, _ in REQUESTS} == {p for p in served if p[1] == "get"}


def test_the_document_is_valid_json_schema_throughout():
    from jsonschema import Draft202012Validator

    for schema in DOCUMENT["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_explain_gives_each_hit_the_parts_of_its_score(client):
    body = client.get("/api/search?q=hội nghị&limit=1&explain=1").get_json()
    explain = body["hits"][0]["explain"]
    assert (explain["reading"], explain["tier"]) == ("hội nghị", "precise")
    assert {"field": "title_pairs", "term": "hội nghị", "kind": "pair"} in [
        {k: part[k] for k in ("field", "term", "kind")} for part in explain["matched"]
    ]
    assert client.get("/api/search?q=hội nghị&limit=1").get_json()["hits"][0]["explain"] is None
    bad = client.get("/api/search?q=x&explain=maybe")
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "bad_parameter")


def test_search_returns_the_result_object(client):
    body = client.get("/api/search?q=hoi nghi giao ban&limit=3").get_json()
    assert list(body) == [
        "query",
        "total",
        "page",
        "limit",
        "took_ms",
        "hits",
        "facets",
        "suggestion",
        "reading",
        "missing",
    ]
    assert (body["reading"], body["missing"]) == ("hội nghị giao ban", [])
    assert [hit["tier"] for hit in body["hits"]] == ["precise"] * 3
    assert (body["query"], body["total"], body["page"], body["limit"]) == (
        "hoi nghi giao ban",
        6,
        1,
        3,
    )
    assert [hit["id"] for hit in body["hits"]] == [
        "dl-2022-an-ninh-tu-tuong-q1",
        "tt-2021-giao-ban-q3",
        "kg-2022-giao-ban-q1",
    ]
    assert body["hits"][0]["title"] == (
        "<mark>HỘI NGHỊ GIAO BAN</mark> AN NINH TƯ TƯỞNG QUÝ I/2022"
    )
    assert body["facets"]["sectors"][0] == {"value": "Khoa giáo", "count": 2, "selected": False}


def test_json_keeps_vietnamese_readable(client):
    raw = client.get("/api/sectors").get_data(as_text=True)
    assert '"Khoa giáo"' in raw and "\\u" not in raw


def test_json_keeps_the_order_of_the_result_object(client):
    # Flask sorts keys unless told not to: a facet reads value, count, selected.
    body = client.get("/api/search?q=hoi nghi giao ban").get_json()
    assert list(body["facets"]["sectors"][0]) == ["value", "count", "selected"]


def test_search_parameters_are_those_of_the_page(client):
    def ids(url):
        return [hit["id"] for hit in client.get(url).get_json()["hits"]]

    assert ids("/api/search?q=hooij nghij giao ban&limit=3") == ids(
        "/api/search?q=hội nghị giao ban&limit=3"
    )
    sectors = client.get("/api/search?sector=Khoa giáo&sector=Lịch sử Đảng&limit=100").get_json()
    assert sectors["total"] == 13
    assert {hit["sector"] for hit in sectors["hits"]} == {"Khoa giáo", "Lịch sử Đảng"}
    dated = client.get("/api/search?from=06/10/2021&to=2021-10-12&sort=oldest").get_json()
    assert [hit["date"] for hit in dated["hits"]] == ["2021-10-06", "2021-10-12"]
    topic = client.get("/api/search?topic=Chuyển đổi số").get_json()
    assert topic["total"] == 5
    related = client.get(f"/api/search?related_to={ARTICLE}").get_json()
    assert related["total"] == 6
    paged = client.get("/api/search?q=hoi nghi&page=3&limit=5").get_json()
    assert (paged["page"], paged["limit"], len(paged["hits"])) == (3, 5, 5)
    newest = client.get("/api/search?sort=newest&limit=3").get_json()
    assert [h["score"] for h in newest["hits"]] == [None, None, None]


def test_article_and_related(client):
    article = client.get(f"/api/articles/{ARTICLE}").get_json()
    assert article["title"] == (
        "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị giao ban công tác Khoa giáo Quý 1 năm 2022"
    )
    assert article["related"][0] == {
        "id": "tt-2021-giao-ban-q3",
        "title": "Hội nghị giao ban công tác tuyên giáo quý III năm 2021",
    }
    related = client.get(f"/api/articles/{ARTICLE}/related?limit=3").get_json()
    assert related["id"] == ARTICLE
    assert [hit["id"] for hit in related["related"]] == [
        "tt-2021-giao-ban-q3",
        "kg-2021-tong-ket-chi-thi-10",
        "dl-2022-an-ninh-tu-tuong-q1",
    ]


def test_suggestions_in_both_formats(client):
    found = client.get("/api/suggest?q=hoi ng&limit=2").get_json()
    assert found == [
        {
            "text": "Hội nghị trực tuyến học tập, quán triệt Nghị quyết Đại hội XIII của Đảng",
            "id": "ll-2021-dai-hoi-xiii",
        },
        {
            "text": "Hội nghị báo cáo viên tháng 8/2023: thông tin về Nghị quyết số 09-NQ/TW",
            "id": "tt-2023-bao-cao-vien",
        },
    ]
    response = client.get("/api/suggest?q=hoi ng&limit=2&format=opensearch")
    assert response.mimetype == "application/x-suggestions+json"
    assert response.get_json() == ["hoi ng", [s["text"] for s in found]]


def test_sectors_and_topics_count_the_whole_index(client):
    sectors = client.get("/api/sectors").get_json()["sectors"]
    assert sectors[:2] == [
        {"value": "Khoa giáo", "count": 8},
        {"value": "Tuyên truyền", "count": 7},
    ]
    assert sum(s["count"] for s in sectors) == 47
    topics = client.get("/api/topics").get_json()["topics"]
    assert topics[0] == {"value": "Xây dựng Đảng", "count": 9}


def test_health_says_what_is_served(client):
    assert client.get("/health").get_json() == {
        "status": "ok",
        "articles": 48,
        "generation": 1,
        "schema_version": 2,
        "first_date": "2018-03-22",
        "last_date": "2025-04-10",
    }
