"""The real service over HTTP: gunicorn with its settings module, and `search-service serve`."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from search_service.ingest import pipeline
from search_service.web.access_log import logged_target

from ..records import article, write_jsonl
from .conftest import fetch, free_port, stop, wait_until_up


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def search_ids(server, text: str) -> list[str]:
    status, _, body = get(f"{server.url}/api/search?q={quote(text)}")
    assert status == 200
    return [hit["id"] for hit in json.loads(body)["hits"]]


@pytest.mark.slow
def test_gunicorn_serves_pages_and_json(live_server):
    status, headers, body = get(live_server.url + "/health")
    assert (status, json.loads(body)["articles"]) == (200, 48)
    assert headers["Server"] == "gunicorn"
    status, headers, body = get(live_server.url + "/?q=" + quote("hoi nghi giao ban"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<mark>HỘI NGHỊ GIAO BAN</mark>" in body.decode()
    assert search_ids(live_server, "hoi nghi giao ban")[0] == "dl-2022-an-ninh-tu-tuong-q1"
    status, _, _ = get(live_server.url + "/static/searchbox.js")
    assert status == 200


@pytest.mark.slow
def test_errors_over_http_keep_their_shape(live_server):
    for url, status_wanted in [
        ("/api/search?limit=10000", 400),
        ("/api/articles/khong-co", 404),
        # Longer than the app's limit, shorter than gunicorn's: the app answers.
        ("/api/search?q=" + "a" * 8100, 413),
    ]:
        status, headers, body = get(live_server.url + url)
        assert status == status_wanted
        assert headers["Content-Type"] == "application/json"
        assert set(json.loads(body)["error"]) == {"code", "message", "message_vi"}


@pytest.mark.slow
def test_an_article_indexed_while_serving_is_found_within_a_second(live_server, tmp_path):
    record = article(
        901,
        id="moi-dang",
        title="Nghề nuôi chim yến sào ở Khánh Hòa",
        body="Các nhà khoa học trao đổi về nghề nuôi chim yến sào.",
        sector="Thử nghiệm",
    )
    source = write_jsonl(tmp_path / "new.jsonl", [record])
    assert "moi-dang" not in search_ids(live_server, "yen sao")
    pipeline.ingest([source], live_server.index, workers=1)
    committed = time.monotonic()
    while "moi-dang" not in search_ids(live_server, "yen sao"):
        assert time.monotonic() - committed < 1.0, "not searchable a second after the commit"
        time.sleep(0.05)
    # Every worker sees it, not only the one that answered first.
    assert all(search_ids(live_server, "yen sao")[0] == "moi-dang" for _ in range(6))


# Regression: Catalog.current() used Whoosh's Searcher.refresh(), which reuses segment
# readers and keeps their old deletions, so a deleted article stayed found.
@pytest.mark.slow
def test_an_article_deleted_while_serving_is_gone_within_a_second(live_server, tmp_path):
    record = article(
        902, id="sap-xoa", title="Nuôi cấy lan rừng", body="Lan rừng.", sector="Thử nghiệm"
    )
    pipeline.ingest([write_jsonl(tmp_path / "gone.jsonl", [record])], live_server.index, workers=1)
    time.sleep(0.1)
    assert all(search_ids(live_server, "lan rung")[0] == "sap-xoa" for _ in range(6))
    pipeline.delete(["sap-xoa"], live_server.index)
    time.sleep(1.0)
    assert all("sap-xoa" not in search_ids(live_server, "lan rung") for _ in range(6))


@pytest.mark.slow
def test_serve_indexes_the_samples_into_an_empty_index_and_serves(tmp_path):
    port = free_port()
    index = tmp_path / "new-index"
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "search_service", "serve", "--index", str(index)),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
            ],
            cwd=tmp_path,
            stdout=log,
            stderr=log,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/health", process, seconds=120)
            status, _, body = get(f"http://127.0.0.1:{port}/health")
            assert (status, json.loads(body)["articles"]) == (200, 48)
            # Without a PUBLIC_URL, the absolute URLs are those of the address it serves on.
            _, _, body = get(f"http://127.0.0.1:{port}/opensearch.xml")
            assert f'template="http://127.0.0.1:{port}/?q={{searchTerms}}"' in body.decode()
        finally:
            stop(process)
    output = (tmp_path / "serve.log").read_text()
    assert f"{index} holds no article: indexing the bundled samples" in output
    assert "48 sample articles indexed" in output


@pytest.mark.slow
def test_serve_refuses_a_bad_address(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "search_service", "serve", "--bind", "localhost"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not HOST:PORT: 'localhost'" in result.stderr


# Regression (issue 13): the access log kept every query string: what readers typed, and a
# token sent in a URL (which the write API refuses, rightly).
@pytest.mark.slow
def test_the_access_log_has_paths_without_query_strings(live_server):
    secret = "ma-bi-mat-cua-cms-0123456789"
    get(f"{live_server.url}/api/search?q={quote('Nguyễn Văn An 0912345678')}")
    status, _, _ = fetch(f"{live_server.url}/api/articles?access_token={secret}", "POST", b"{}")
    assert status == 403
    deadline = time.monotonic() + 5
    while '"POST /api/articles HTTP/1.1" 403' not in live_server.log.read_text():
        assert time.monotonic() < deadline, "no access log line for the write"
        time.sleep(0.1)
    log = live_server.log.read_text()
    assert '"GET /api/search HTTP/1.1" 200' in log
    assert secret not in log and "0912345678" not in log and "Nguy" not in log


@pytest.mark.parametrize(
    ("target", "with_queries", "logged"),
    [
        ("/api/search?q=hoi+nghi&page=2", False, "/api/search"),
        ("/api/search?q=hoi+nghi&page=2", True, "/api/search?q=hoi+nghi&page=2"),
        ("/api/articles?access_token=abc123", True, "/api/articles?access_token=-"),
        ("/?q=&token=abc&sector=Khoa+gi%C3%A1o", True, "/?q=&token=-&sector=Khoa+gi%C3%A1o"),
        ("/health", True, "/health"),
    ],
)
def test_the_access_log_keeps_search_parameters_only_when_asked(target, with_queries, logged):
    assert logged_target(target, with_queries) == logged
