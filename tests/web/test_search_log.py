"""The search counts: what is kept (query, day, results), what is not, and its bounds."""

import datetime
import sqlite3

from search_service.web.search_log import SearchLog, normalize_query

DAY = datetime.date(2024, 5, 20)


def make(tmp_path, keep_days=30, max_queries=100) -> SearchLog:
    return SearchLog(tmp_path / "searches.sqlite3", keep_days, max_queries)


def test_queries_are_counted_under_one_normalized_form():
    assert normalize_query("  Hội  Nghị\u200b ") == "hội nghị"
    assert normalize_query("Hoà") == normalize_query("hòa") == "hòa"
    assert normalize_query("x" * 500) == "x" * 200


def test_searches_are_counted_by_query_and_day(tmp_path):
    log = make(tmp_path)
    for typed, found in [("Hội nghị", 30), ("hội nghị", 31), ("xyzzy", 0), ("  ", 0)]:
        log.record(typed, found, DAY)
    rows = sqlite3.connect(tmp_path / "searches.sqlite3").execute(
        "SELECT * FROM searches ORDER BY query"
    )
    # Nothing else is kept: no time of day, no address, no browser.
    assert rows.fetchall() == [("2024-05-20", "hội nghị", 2, 31), ("2024-05-20", "xyzzy", 1, 0)]


def test_frequent_and_found_nothing_over_the_last_days(tmp_path):
    log = make(tmp_path)
    today = datetime.date.today()
    for days_ago, typed, found in [
        (0, "hội nghị", 12),
        (0, "hội nghị", 12),
        (1, "hội nghị", 10),
        (0, "chuyển đổi số", 5),
        (2, "xyzzy", 0),
        (0, "xyzzy", 0),
        (9, "covid", 3),
    ]:
        log.record(typed, found, today - datetime.timedelta(days=days_ago))
    assert [(c.query, c.searches, c.results) for c in log.frequent(7)] == [
        ("hội nghị", 3, 12),
        ("xyzzy", 2, 0),
        ("chuyển đổi số", 1, 5),
    ]
    assert [c.query for c in log.frequent(1)] == ["hội nghị", "chuyển đổi số", "xyzzy"]
    assert [(c.query, c.searches) for c in log.frequent(7, found_nothing=True)] == [("xyzzy", 2)]
    assert [c.query for c in log.frequent(30, limit=1)] == ["hội nghị"]


def test_old_days_are_deleted(tmp_path):
    log = make(tmp_path, keep_days=3)
    log.record("cũ", 1, DAY - datetime.timedelta(days=3))
    log.record("vừa", 1, DAY - datetime.timedelta(days=2))
    log.close()
    make(tmp_path, keep_days=3).record("mới", 1, DAY)
    days = sqlite3.connect(tmp_path / "searches.sqlite3").execute("SELECT query FROM searches")
    assert sorted(q for (q,) in days) == ["mới", "vừa"]


def test_distinct_queries_a_day_are_bounded(tmp_path):
    log = make(tmp_path, max_queries=3)
    for n in range(10):
        log.record(f"truy vấn {n}", 1, DAY)
    log.record("truy vấn 0", 1, DAY)
    rows = sqlite3.connect(tmp_path / "searches.sqlite3").execute(
        "SELECT query, searches FROM searches ORDER BY query"
    )
    assert rows.fetchall() == [("truy vấn 0", 2), ("truy vấn 1", 1), ("truy vấn 2", 1)]


def test_a_log_that_cannot_be_written_never_fails_a_search(tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    log = SearchLog(tmp_path / "a-file" / "searches.sqlite3", 30, 100)
    log.record("hội nghị", 1, DAY)
    log.record("hội nghị", 1, DAY)
    assert log.frequent(7) == []
    assert caplog.text.count("searches are not counted in") == 1


def test_the_app_counts_a_query_once_not_its_refinements(make_app):
    client = make_app().test_client()
    for url in [
        "/?q=Hội nghị",
        "/?q=hội nghị&page=2",
        "/?q=hội nghị&sector=Khoa giáo",
        "/?q=hội nghị&sort=newest",
        "/api/search?q=hoi nghi",
        "/api/search?q=xyzzy",
        "/?q=",
        "/api/suggest?q=hội",
    ]:
        assert client.get(url).status_code == 200
    counts = client.get("/api/searches?days=1").get_json()
    assert counts == {
        "days": 1,
        "enabled": True,
        "frequent": [
            {"query": "hoi nghi", "searches": 1, "results": 39},
            {"query": "hội nghị", "searches": 1, "results": 39},
            {"query": "xyzzy", "searches": 1, "results": 0},
        ],
        "found_nothing": [{"query": "xyzzy", "searches": 1, "results": 0}],
    }
    page = client.get("/searches?days=1").get_data(as_text=True)
    assert '<a href="/?q=xyzzy">xyzzy</a>' in page


def test_the_log_can_be_off(make_app):
    client = make_app(SEARCH_LOG="off").test_client()
    client.get("/?q=hội nghị")
    assert client.get("/api/searches").get_json() == {
        "days": 7,
        "enabled": False,
        "frequent": [],
        "found_nothing": [],
    }
    assert "SEARCH_SERVICE_SEARCH_LOG=off" in client.get("/searches").get_data(as_text=True)


def test_by_default_the_log_is_beside_the_index(make_app, tmp_path):
    from search_service.web import resources

    app = make_app(INDEX=str(tmp_path / "index"), SEARCH_LOG="")
    with app.app_context():
        assert resources.search_log().path == tmp_path / "index.searches.sqlite3"
