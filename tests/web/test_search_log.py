"""The search counts: what is kept (query, day, results, how many readers), what is not,
what is shown (what several readers searched), and its bounds."""

import datetime
import sqlite3

import pytest

from search_service.web.search_log import SearchLog, client_of, looks_personal, normalize_query

from .conftest import STAFF

DAY = datetime.date(2024, 5, 20)
READERS = [f"192.0.2.{n}" for n in range(1, 11)]


def make(tmp_path, keep_days=30, max_queries=100, min_visitors=1, client_queries=30):
    return SearchLog(
        tmp_path / "searches.sqlite3", keep_days, max_queries, min_visitors, client_queries
    )


def rows(tmp_path, sql="SELECT * FROM searches ORDER BY query") -> list[tuple]:
    with sqlite3.connect(tmp_path / "searches.sqlite3") as connection:
        return connection.execute(sql).fetchall()


def test_queries_are_counted_under_one_normalized_form():
    assert normalize_query("  Hội  Nghị\u200b ") == "hội nghị"
    assert normalize_query("Hoà") == normalize_query("hòa") == "hòa"
    assert normalize_query("x" * 500) == "x" * 200


def test_searches_are_counted_by_query_and_day(tmp_path):
    log = make(tmp_path, min_visitors=3)
    for typed, found, reader in [
        ("Hội nghị", 30, "192.0.2.1"),
        ("hội nghị", 31, "192.0.2.2"),
        ("hội nghị", 31, "192.0.2.2"),
        ("xyzzy", 0, "192.0.2.1"),
        ("  ", 0, "192.0.2.1"),
    ]:
        log.record(typed, found, reader, DAY)
    # Nothing else is kept: no time of day, no address, no browser; two readers, three times.
    assert rows(tmp_path) == [
        ("2024-05-20", "hội nghị", 3, 31, 2),
        ("2024-05-20", "xyzzy", 1, 0, 1),
    ]
    everything = " ".join(map(str, rows(tmp_path, "SELECT * FROM askers")))
    everything += " ".join(map(str, rows(tmp_path, "SELECT * FROM clients")))
    assert "192.0.2" not in everything


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
        log.record(typed, found, "192.0.2.1", today - datetime.timedelta(days=days_ago))
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
    log.record("cũ", 1, "192.0.2.1", DAY - datetime.timedelta(days=3))
    log.record("vừa", 1, "192.0.2.1", DAY - datetime.timedelta(days=2))
    log.close()
    make(tmp_path, keep_days=3).record("mới", 1, "192.0.2.1", DAY)
    assert sorted(q for (q,) in rows(tmp_path, "SELECT query FROM searches")) == ["mới", "vừa"]
    # The hashes of readers, and the key they were made with, are kept for today only.
    assert rows(tmp_path, "SELECT DISTINCT day FROM day_keys") == [("2024-05-20",)]
    assert rows(tmp_path, "SELECT DISTINCT day FROM askers") == [("2024-05-20",)]
    assert rows(tmp_path, "SELECT DISTINCT day FROM clients") == [("2024-05-20",)]


def test_distinct_queries_a_day_are_bounded(tmp_path):
    log = make(tmp_path, max_queries=3)
    for n in range(10):
        log.record(f"truy vấn {n}", 1, READERS[n], DAY)
    log.record("truy vấn 0", 1, READERS[9], DAY)
    assert rows(tmp_path, "SELECT query, searches FROM searches ORDER BY query") == [
        ("truy vấn 0", 2),
        ("truy vấn 1", 1),
        ("truy vấn 2", 1),
    ]


# Regression (issue 13): 5,100 junk queries from one client in 30 s used up the day's
# quota, after which the searches of real readers were not counted.
def test_one_client_cannot_use_up_the_days_quota(tmp_path):
    log = make(tmp_path, max_queries=100, client_queries=30)
    for n in range(5100):
        log.record(f"rac {n}", 0, "198.51.100.7", DAY)
    # From one IPv6 network, however many addresses it draws from its /64.
    for n in range(200):
        log.record(f"rac v6 {n}", 0, f"2001:db8:1:2::{n:x}", DAY)
    log.record("hội nghị", 12, "192.0.2.1", DAY)
    assert rows(tmp_path, "SELECT count(*) FROM searches") == [(61,)]
    assert rows(tmp_path, "SELECT searches FROM searches WHERE query = 'hội nghị'") == [(1,)]


def test_a_query_is_shown_once_enough_different_readers_searched_it(tmp_path):
    log = make(tmp_path, min_visitors=3)
    today = datetime.date.today()
    for reader in ["192.0.2.1"] * 5 + ["192.0.2.2"]:
        log.record("nguyễn văn a", 4, reader, today)
    for reader in ["192.0.2.1", "192.0.2.2", "::ffff:192.0.2.3"]:
        log.record("hội nghị", 12, reader, today)
    assert [(c.query, c.searches) for c in log.frequent(7)] == [("hội nghị", 3)]
    log.record("nguyễn văn a", 4, "192.0.2.3", today)
    assert [(c.query, c.searches) for c in log.frequent(7)] == [
        ("nguyễn văn a", 7),
        ("hội nghị", 3),
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "+84 912.345.678",
        "sđt 091-234-5678 chị Lan",
        "cccd 001203004567",
        "cmnd 123456789",
        "nguyen.van.a@gmail.com",
        "liên hệ lan@so-tt.vn",
    ],
)
def test_what_looks_like_personal_data_is_never_stored(tmp_path, typed):
    assert looks_personal(normalize_query(typed))
    log = make(tmp_path)
    log.record(typed, 0, "192.0.2.1", DAY)
    log.record("hội nghị", 12, "192.0.2.1", DAY)
    assert rows(tmp_path, "SELECT query FROM searches") == [("hội nghị",)]


@pytest.mark.parametrize(
    "typed", ["10-CT/TW", "nghị quyết 35-NQ/TW năm 2019", "2018 2019", "12345678", "a @ b"]
)
def test_document_codes_and_years_are_not_personal_data(typed):
    assert not looks_personal(normalize_query(typed))


def test_readers_are_told_apart_by_address_and_ipv6_network():
    assert client_of("192.0.2.1") == "192.0.2.1"
    assert client_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert (
        client_of("2001:db8:1:2:aaaa::1") == client_of("2001:db8:1:2::9") == ("2001:db8:1:2::/64")
    )
    assert client_of("") == "-"


def test_a_log_that_cannot_be_written_never_fails_a_search(tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    log = SearchLog(tmp_path / "a-file" / "searches.sqlite3", 30, 100)
    log.record("hội nghị", 1, "192.0.2.1", DAY)
    log.record("hội nghị", 1, "192.0.2.1", DAY)
    assert log.frequent(7) == []
    assert caplog.text.count("searches are not counted in") == 1


def test_the_app_counts_a_query_once_not_its_refinements(make_app):
    client = make_app(SEARCH_LOG_MIN_VISITORS=1).test_client()
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
    counts = client.get("/api/searches?days=1", headers=STAFF).get_json()
    assert counts == {
        "days": 1,
        "enabled": True,
        "frequent": [
            {"query": "hoi nghi", "searches": 1, "results": 36},
            {"query": "hội nghị", "searches": 1, "results": 36},
            {"query": "xyzzy", "searches": 1, "results": 0},
        ],
        "found_nothing": [{"query": "xyzzy", "searches": 1, "results": 0}],
    }
    page = client.get("/searches?days=1", headers=STAFF).get_data(as_text=True)
    assert '<a href="/?q=xyzzy">xyzzy</a>' in page


def test_the_log_can_be_off(make_app):
    client = make_app(SEARCH_LOG="off").test_client()
    client.get("/?q=hội nghị")
    assert client.get("/api/searches", headers=STAFF).get_json() == {
        "days": 7,
        "enabled": False,
        "frequent": [],
        "found_nothing": [],
    }
    off = client.get("/searches", headers=STAFF).get_data(as_text=True)
    assert "SEARCH_SERVICE_SEARCH_LOG=off" in off


def test_by_default_the_log_is_beside_the_index(make_app, tmp_path):
    from search_service.web import resources

    app = make_app(INDEX=str(tmp_path / "index"), SEARCH_LOG="")
    with app.app_context():
        assert resources.search_log().path == tmp_path / "index.searches.sqlite3"


@pytest.mark.parametrize(("peer", "shown"), [("127.0.0.1", True), ("198.51.100.9", False)])
def test_the_address_a_proxy_passes_on_is_believed_from_trusted_proxies_only(make_app, peer, shown):
    client = make_app(PROXY_HOPS=1, SEARCH_LOG_MIN_VISITORS=3).test_client()
    for claimed in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        client.get(
            "/api/search?q=hoi nghi",
            headers={"X-Forwarded-For": claimed},
            environ_base={"REMOTE_ADDR": peer},
        )
    frequent = client.get("/api/searches?days=1", headers=STAFF).get_json()["frequent"]
    assert [row["query"] for row in frequent] == (["hoi nghi"] if shown else [])
