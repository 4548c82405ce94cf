"""The write API: the token, every route and error, results by position, limits, the queue,
and every answer checked against the OpenAPI document. The writer process runs as a thread
of the test (`committer.run`); the writes wait for it (`refresh=wait_for`) unless a test
says otherwise."""

import io
import json
import threading
import time

import pytest

from search_service.index import store, writing
from search_service.ingest import committer
from search_service.web import settings

from ..records import article
from .openapi_check import check
from .test_errors import assert_error

TOKEN = "kW3n9VxQ2pLr7Ty5Bz8Hc4Md6Fs1Jg0E"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEWS = {
    "id": "yen-sao-2024",
    "title": "Nghề nuôi chim yến sào ở Khánh Hòa",
    "body": "Các nhà khoa học trao đổi về nghề nuôi chim yến sào.\n\nTỉnh ủy chỉ đạo.",
    "date": "06/10/2024",
    "sector": "Khoa giáo",
}


@pytest.fixture
def writer(index):
    """The writer process of `index`, as a thread committing every 50 ms."""
    stop = threading.Event()
    thread = threading.Thread(target=committer.run, args=(index, 0.05, lambda: not stop.is_set()))
    thread.start()
    yield thread
    stop.set()
    thread.join()


@pytest.fixture
def write_client(make_app, index, writer):
    """A factory of clients of apps with the write API on, over their own index."""

    def make(**settings):
        return make_app(**{"INDEX": str(index), "WRITE_TOKEN": TOKEN} | settings).test_client()

    return make


@pytest.fixture
def writes(write_client):
    return write_client()


WAIT = {"refresh": "wait_for"}


def post(client, body, path="/api/articles", headers=AUTH, query=WAIT, **kwargs):
    response = client.post(path, json=body, headers=headers, query_string=query, **kwargs)
    check("/api/articles", response, "post")
    return response


def put(client, article_id, body, headers=AUTH, query=WAIT):
    response = client.put(
        f"/api/articles/{article_id}", json=body, headers=headers, query_string=query
    )
    check("/api/articles/{id}", response, "put")
    return response


def delete(client, article_id, headers=AUTH, query=WAIT):
    response = client.delete(f"/api/articles/{article_id}", headers=headers, query_string=query)
    check("/api/articles/{id}", response, "delete")
    return response


def counts(**nonzero) -> dict:
    zero = dict.fromkeys(
        ["added", "replaced", "unchanged", "deleted", "not_found", "rejected", "queued"], 0
    )
    return zero | nonzero


def search_ids(client, text: str) -> list[str]:
    return [hit["id"] for hit in client.get("/api/search", query_string={"q": text}).json["hits"]]


def generation(index) -> int:
    return store.open_index(index).latest_generation()


def test_a_posted_article_is_searchable_on_the_next_request(writes):
    assert "yen-sao-2024" not in search_ids(writes, "yen sao")
    response = post(writes, NEWS)
    assert (response.status_code, response.json) == (
        200,
        {
            "status": "applied",
            "counts": counts(added=1),
            "results": [{"position": 0, "id": "yen-sao-2024", "status": "added"}],
        },
    )
    assert search_ids(writes, "yen sao")[0] == "yen-sao-2024"
    stored = writes.get("/api/articles/yen-sao-2024").json
    assert (stored["title"], stored["date"], stored["sector"]) == (
        "Nghề nuôi chim yến sào ở Khánh Hòa",
        "2024-10-06",
        "Khoa giáo",
    )


def test_a_list_reports_every_position_and_keeps_the_good_articles(writes):
    response = post(
        writes,
        [
            NEWS,
            {"id": "thieu-tieu-de", "body": "Nội dung"},
            article(2, date="2021-02-30"),
            "không phải một bài",
            article(3, topics="Chuyển đổi số"),
            {"id": ["a"], "title": "Tiêu đề", "body": "Nội dung"},
        ],
    )
    assert response.status_code == 200
    assert response.json["counts"] == counts(added=2, rejected=4)

    def rejected(position, article_id, message):
        error = {
            "code": "bad_record",
            "message": message,
            "message_vi": "Tin bài không hợp lệ: hãy kiểm tra các trường id, title, body "
            "và cú pháp JSON.",
        }
        return {"position": position, "id": article_id, "status": "rejected", "error": error}

    assert response.json["results"] == [
        {"position": 0, "id": "yen-sao-2024", "status": "added"},
        rejected(1, "thieu-tieu-de", "missing title"),
        rejected(2, "a2", "date: impossible date '2021-02-30': day is out of range for month"),
        rejected(3, None, "a record must be a JSON object"),
        {"position": 4, "id": "a3", "status": "added"},
        rejected(5, None, "id must be a string or a whole number"),
    ]
    assert writes.get("/api/articles/a3").json["topics"] == ["Chuyển đổi số"]
    assert writes.get("/api/articles/a2").status_code == 404


def test_upsert_unchanged_then_replaced_then_deleted_then_not_found(writes, index):
    assert post(writes, NEWS).json["results"][0]["status"] == "added"
    before = generation(index)
    assert post(writes, [NEWS]).json["results"][0]["status"] == "unchanged"
    assert generation(index) == before
    edited = NEWS | {"title": "Nghề nuôi chim yến ở Khánh Hòa phát triển"}
    response = put(writes, "yen-sao-2024", edited)
    assert (response.status_code, response.json["results"][0]["status"]) == (200, "replaced")
    assert writes.get("/api/articles/yen-sao-2024").json["title"] == edited["title"]
    response = delete(writes, "yen-sao-2024")
    assert (response.status_code, response.json["counts"]) == (200, counts(deleted=1))
    assert writes.get("/api/articles/yen-sao-2024").status_code == 404
    assert "yen-sao-2024" not in search_ids(writes, "yen sao")
    assert_error(delete(writes, "yen-sao-2024"), 404, "article_not_found")


def test_put_takes_the_id_from_the_url(writes):
    body = {k: v for k, v in NEWS.items() if k != "id"}
    assert put(writes, "tin-moi/2024", body).json["results"] == [
        {"position": 0, "id": "tin-moi/2024", "status": "added"}
    ]
    assert writes.get("/api/articles/tin-moi/2024").json["title"] == NEWS["title"]
    response = put(writes, "tin-khac", NEWS)
    assert_error(response, 400, "bad_record")
    assert response.json["error"]["message"] == (
        "the id in the body ('yen-sao-2024') is not the one in the URL"
    )
    assert writes.get("/api/articles/tin-khac").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the body is empty: send an article, or a list of them, as JSON"),
        (b'{"id": "x", "title": ', "request body: invalid JSON: Expecting value at column 21"),
        (
            b'[\n  {"id": "x",\n   "title" "y"}\n]',
            "request body: invalid JSON: Expecting ':' delimiter at line 3 column 12",
        ),
        (
            b'{"id": "x", "title": "H\xf4i"}',
            "request body: undecodable bytes at byte 23 (not UTF-8)",
        ),
        (b"[" * 100_000, "request body: nested too deeply"),
        ('{"id": "x", "body": "Nội dung"}'.encode(), "missing title"),
        (
            b'{"id": "x", "title": "T", "body": "B", "related": 5}',
            "related must be a list of strings",
        ),
    ],
)
def test_a_bad_body_or_a_bad_single_article_is_a_400_with_the_cli_message(
    writes, index, body, message
):
    before = generation(index)
    for response in (
        writes.post("/api/articles", data=body, headers=AUTH),
        writes.put("/api/articles/x", data=body, headers=AUTH),
    ):
        assert_error(response, 400, "bad_record")
        assert response.json["error"]["message"] == message
        check("/api/articles", response, "post")
    assert generation(index) == before


def test_without_a_token_setting_the_write_api_is_off_and_reads_stay_open(write_client):
    client = write_client(WRITE_TOKEN="")
    for response in (
        post(client, NEWS),
        put(client, "x", NEWS),
        delete(client, "kg-2022-giao-ban-q1"),
    ):
        assert_error(response, 403, "write_api_off")
        assert "SEARCH_SERVICE_WRITE_TOKEN" in response.json["error"]["message"]
    assert client.get("/api/articles/kg-2022-giao-ban-q1").status_code == 200


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, 'Bearer realm="search-service"'),
        ("Basic dXNlcjpwYXNz", 'Bearer realm="search-service"'),
        ("Bearer", 'Bearer realm="search-service"'),
        ("Bearer " + TOKEN[:-1], 'Bearer realm="search-service", error="invalid_token"'),
        ("Bearer " + TOKEN + "x", 'Bearer realm="search-service", error="invalid_token"'),
        ("Bearer Tỉnh-ủy-Khánh-Hòa", 'Bearer realm="search-service", error="invalid_token"'),
    ],
)
def test_a_missing_or_wrong_token_is_a_401_and_changes_nothing(
    writes, index, authorization, challenge
):
    headers = {"Authorization": authorization} if authorization else {}
    before = generation(index)
    for response in (
        post(writes, NEWS, headers=headers),
        put(writes, "yen-sao-2024", NEWS, headers=headers),
        delete(writes, "kg-2022-giao-ban-q1", headers=headers),
    ):
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == challenge
    assert generation(index) == before
    assert writes.get("/api/articles/kg-2022-giao-ban-q1").status_code == 200
    assert writes.get("/api/search?q=hoi nghi").status_code == 200


def test_the_scheme_is_case_insensitive(writes):
    assert post(writes, NEWS, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_a_short_or_odd_token_setting_is_refused_by_name(monkeypatch):
    for bad in ("ngan-qua", "khóa bí mật có dấu cách và dấu"):
        monkeypatch.setenv("SEARCH_SERVICE_WRITE_TOKEN", bad)
        with pytest.raises(ValueError, match=r"SEARCH_SERVICE_WRITE_TOKEN=.*at least 16"):
            settings.load()
    monkeypatch.setenv("SEARCH_SERVICE_WRITE_TOKEN", TOKEN)
    assert settings.load()["WRITE_TOKEN"] == TOKEN


def test_limits_of_a_write_are_413_with_a_clear_message(write_client, index):
    client = write_client(MAX_WRITE_BYTES=2_000, MAX_WRITE_ARTICLES=3)
    before = generation(index)
    response = post(client, [article(n) for n in range(4)])
    assert_error(response, 413, "write_too_large")
    assert response.json["error"]["message"] == (
        "a write holds at most 3 articles, this one 4: send them in several writes"
    )
    response = post(client, NEWS | {"body": "Nội dung dài. " * 200})
    assert_error(response, 413, "write_too_large")
    assert response.json["error"]["message"] == (
        "the body is larger than 2,000 bytes: send fewer articles in each write"
    )
    # A body without a length (chunked, which gunicorn passes on as a terminated stream)
    # is cut at the limit as it is read: still a 413, not a truncated JSON.
    response = client.post(
        "/api/articles",
        input_stream=io.BytesIO(json.dumps(NEWS | {"body": "Nội dung dài. " * 200}).encode()),
        headers=AUTH,
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert_error(response, 413, "write_too_large")
    assert generation(index) == before
    exactly = json.dumps(NEWS | {"body": "x"}).encode()
    exactly = exactly.replace(b'"x"', b'"' + b"x" * (2_001 - len(exactly)) + b'"')
    assert len(exactly) == 2_000
    response = client.post("/api/articles", data=exactly, headers=AUTH, query_string=WAIT)
    assert response.status_code == 200


def test_a_write_may_be_larger_than_a_search(writes):
    # Over the limit of searches (8,000 bytes), within the write API's own.
    response = post(writes, NEWS | {"body": "Nội dung dài. " * 1_000})
    assert response.json["counts"] == counts(added=1)


def test_a_full_queue_answers_503_with_retry_after_and_a_busy_index_202(write_client, index):
    client = write_client(WRITE_WAIT=0.2, WRITE_QUEUE_MAX=2)
    # The CLI's ingest holds the writer for longer than a write waits.
    with writing.writer(index):
        response = post(client, [article(1), article(2)])
        assert response.status_code == 202
        assert response.json == {
            "status": "queued",
            "counts": counts(queued=2),
            "results": [
                {"position": 0, "id": "a1", "status": "queued"},
                {"position": 1, "id": "a2", "status": "queued"},
            ],
        }
        response = post(client, article(3))
        assert_error(response, 503, "queue_full")
        assert response.headers["Retry-After"] == "1"
        assert response.json["error"]["message"] == (
            "2 write operations are waiting to be applied (the queue holds 2); try again in 1 s"
        )
        response = delete(client, "a1")
        assert response.status_code == 503
    # Once the index is free, the writer process applies what was queued.
    deadline = time.monotonic() + 5
    while client.get("/api/articles/a2").status_code != 200:
        assert time.monotonic() < deadline, "the queued writes were not applied"
        time.sleep(0.01)
    # The writer may still be merging what it applied (a commit of its own): a write that
    # waits longer than 0.2 s for it is added, not queued.
    patient = write_client(WRITE_WAIT=10, WRITE_QUEUE_MAX=2)
    assert post(patient, article(3)).json["results"][0]["status"] == "added"
    assert [client.get(f"/api/articles/a{n}").status_code for n in (1, 2, 3)] == [200] * 3


def test_a_write_is_answered_once_durable_and_committed_within_a_second(writes, index):
    before = generation(index)
    started = time.monotonic()
    response = post(writes, [NEWS, article(2)], query=None)
    assert (response.status_code, response.json) == (
        202,
        {
            "status": "queued",
            "counts": counts(queued=2),
            "results": [
                {"position": 0, "id": "yen-sao-2024", "status": "queued"},
                {"position": 1, "id": "a2", "status": "queued"},
            ],
        },
    )
    # The writer commits every half second; the bound is generous, for a loaded machine
    # (bench/load.py measures how soon): what is tested is that no other request is needed.
    while "yen-sao-2024" not in search_ids(writes, "yen sao"):
        assert time.monotonic() - started < 10.0, "not searchable within ten seconds"
        time.sleep(0.01)
    # Both articles of the write in one commit.
    assert generation(index) == before + 1
    response = delete(writes, "a2", query=None)
    assert (response.status_code, response.json["counts"]) == (202, counts(queued=1))
    # An id neither indexed nor queued is a 404 at once.
    assert_error(delete(writes, "khong-co-bai-nay", query=None), 404, "article_not_found")
    response = post(writes, NEWS, query={"refresh": "true"})
    assert_error(response, 400, "bad_parameter")
    assert response.json["error"]["message"] == "refresh must be false or wait_for, not 'true'"


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"id": "nl-\nx"}, "/api/articles", "id holds the control character U+000A at position 3"),
        ({"id": 1e309}, "/api/articles", "id must be a string or a whole number"),
        (
            {"id": "a\u200bb"},
            "/api/articles",
            "id holds the invisible character U+200B at position 1",
        ),
        ({"body": "B\ud800"}, "/api/articles", "body holds a lone surrogate U+D800 at position 1"),
        ({"topics": ["Khoa\udc00giáo"]}, "/api/articles", "topics holds a lone surrogate U+DC00"),
        (
            {},
            "/api/articles/a%FFb",
            "the id in the address is not UTF-8: percent-encode the id's UTF-8 bytes",
        ),
        ({}, "/api/articles/a%01b", "id holds the control character U+0001 at position 1"),
    ],
)
def test_ids_and_fields_that_normalizing_would_change_are_refused_by_name(
    writes, index, body, path, message
):
    # Regression: they were stripped, so that `nl-\nx` was stored as `nl- x`, `1e309` as
    # `inf`, and an address id that is not UTF-8 as replacement characters.
    before = generation(index)
    record = {"id": "x", "title": "Tin", "body": "Nội dung"} | body
    data = json.dumps(record).encode()
    if path == "/api/articles":
        response = writes.post(path, data=data, headers=AUTH, query_string=WAIT)
    else:
        response = writes.put(path, data=json.dumps({"title": "T", "body": "B"}), headers=AUTH)
    assert_error(response, 400, "bad_record")
    assert response.json["error"]["message"].startswith(message)
    if path != "/api/articles":
        assert_error(writes.delete(path, headers=AUTH), 400, "bad_record")
    assert generation(index) == before


def test_a_control_character_in_the_text_is_read_as_a_space(writes):
    # Regression: an article was refused for a backspace before a word (copying debris in
    # scraped text), and 23 of the unc articles could not be indexed.
    record = {
        "id": "dieu-tra",
        "title": "Lãnh đạo\x00 Ban Tuyên giáo",
        "body": "Tại thời điểm kiểm tra, ông \x08H không có mặt.\n\x96Khu vực",
        "topics": ["Khoa\x1bgiáo"],
    }
    assert post(writes, record).json["counts"] == counts(added=1)
    stored = writes.get("/api/articles/dieu-tra").json
    assert (stored["title"], stored["body"], stored["topics"]) == (
        "Lãnh đạo Ban Tuyên giáo",
        "Tại thời điểm kiểm tra, ông H không có mặt.\nKhu vực",
        ["Khoa giáo"],
    )
    found = writes.get("/api/search", query_string={"q": '"ông H không có mặt"'}).json
    assert (found["total"], found["hits"][0]["id"]) == (1, "dieu-tra")
