"""A damaged index (a file deleted, truncated or garbled, `service.json` gone): the service
answers 503 in the error shape, never a 500 or a traceback, in the workers that had the
index open and in those that start afterwards, and recovers by itself once the index is
rebuilt with `search-service index --rebuild`, without a restart."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import StructFile

from search_service import cli
from search_service.index import store, term_table
from search_service.web import errors

from ..records import bulletins, write_jsonl
from .conftest import running_service
from .html import page, texts
from .test_errors import JSON_ENDPOINTS, PAGES, assert_error
from .test_server import get


def segment_file(index: Path) -> Path:
    return max(index.glob("*.seg"), key=lambda segment: segment.stat().st_size)


def table_of_contents(index: Path) -> Path:
    return index / f"_{store.INDEX_NAME}_{store.latest_generation(index)}.toc"


def truncate_a_segment(index: Path) -> None:
    segment = segment_file(index)
    os.truncate(segment, segment.stat().st_size // 2)


def garble_the_start_of_a_segment(index: Path) -> None:
    with segment_file(index).open("r+b") as segment:
        segment.write(b"\xff" * 4096)


def garble_the_table_of_contents(index: Path) -> None:
    toc = table_of_contents(index)
    toc.write_bytes(bytes(range(256)) * (toc.stat().st_size // 256))


def garble_inside_a_segment(index: Path, extension: str) -> None:
    """Garbage over the largest segment's file of `extension` inside it, from a sixteenth of
    it to seven eighths."""
    segment = segment_file(index)
    with segment.open("rb") as opened:
        directory = CompoundStorage(StructFile(opened), use_mmap=False)
        (inside,) = [name for name in directory.list() if name.endswith(extension)]
        start, length = directory.range(inside)
    with segment.open("r+b") as opened:
        opened.seek(start + length // 16)
        opened.write(b"\xff" * (length * 7 // 8 - length // 16))


def garble_the_positions(index: Path) -> None:
    """Garbage over the segment's body postings (fields are stored by name: `body`,
    `body_pairs` and `body_words` take the first seven eighths), whose positions only a
    phrase of three words or more reads: the term table answers the rest, two words side by
    side included (from the pair field)."""
    garble_inside_a_segment(index, ".pst")


DAMAGES = {
    "a segment file deleted": lambda index: segment_file(index).unlink(),
    "a segment file truncated": truncate_a_segment,
    "garbage over the start of a segment file": garble_the_start_of_a_segment,
    "garbage in the table of contents": garble_the_table_of_contents,
    "the table of contents deleted": lambda index: table_of_contents(index).unlink(),
    "service.json gone": lambda index: (index / store.METADATA_FILE).unlink(),
}
# What a search reads beyond what opening the index reads.
SEARCHES = ["/api/search?q=hoi+nghi", "/api/articles/kg-2022-giao-ban-q1/related"]
SEARCH_PAGES = ["/?q=hoi+nghi", "/search.csv?q=hoi+nghi"]
# Searches that read positions (three words or more: two are read from the pair fields).
PHRASE = quote('"hội nghị giao ban"')
PHRASE_SEARCHES = [f"/api/search?q={PHRASE}", f"/?q={PHRASE}", f"/search.csv?q={PHRASE}"]


def assert_damaged(response, index: Path) -> None:
    assert_error(response, 503, "index_damaged")
    message = response.get_json()["error"]["message"]
    assert message.startswith(f"the index at {index} ")
    rebuild_it = f"rebuild it with `search-service index --rebuild PATH --index {index}`"
    assert message.endswith(": " + rebuild_it)


def assert_damaged_page(response) -> None:
    assert response.status_code == 503
    assert texts(page(response), "//h1") == [errors.MESSAGES_VI["index_damaged"]]


def rebuild(index: Path, tmp_path: Path) -> None:
    """`search-service index --rebuild` from a few bulletins (in this process, where pyvi
    is loaded: the command itself is run once, under gunicorn's test)."""
    source = write_jsonl(tmp_path / "bulletins.jsonl", bulletins(5))
    assert cli.main(["index", "--rebuild", str(source), "--index", str(index)]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_index_answers_503_and_recovers_when_rebuilt(
    sample_index, tmp_path, make_app, damage, pyvi_loaded
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    client = make_app(INDEX=str(index)).test_client()
    assert client.get("/api/search?q=hoi+nghi").status_code == 200  # the index is open

    damage(index)
    for url in JSON_ENDPOINTS + SEARCHES:
        assert_damaged(client.get(url), index)
    for url in PAGES:
        assert_damaged_page(client.get(url))
    # A worker started after the damage says the same.
    assert_damaged(make_app(INDEX=str(index)).test_client().get("/health"), index)

    rebuild(index, tmp_path)
    assert client.get("/health").get_json()["articles"] == 5
    hits = client.get("/api/search", query_string={"q": '"bản tin số 3"'}).get_json()["hits"]
    assert hits[0]["id"] == "ban-tin-00003"


def test_garbage_in_what_only_a_phrase_reads_answers_503_and_recovers_when_rebuilt(
    sample_index, tmp_path, make_app, pyvi_loaded, caplog
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    garble_the_positions(index)
    client = make_app(INDEX=str(index)).test_client()
    # Opening reads no postings, and words are found in the term tables: what reads no
    # positions still answers.
    assert client.get("/health").status_code == 200
    assert client.get("/api/articles/kg-2022-giao-ban-q1").status_code == 200
    assert client.get("/api/search?q=hoi+nghi").get_json()["total"] == 36
    two_words = client.get("/api/search?q=" + quote('"hội nghị"'))
    assert (two_words.status_code, two_words.get_json()["total"] > 0) == (200, True)
    assert_damaged(client.get(PHRASE_SEARCHES[0]), index)
    for url in PHRASE_SEARCHES[1:]:
        assert_damaged_page(client.get(url))
    # Whoosh's own words, for whoever reads the log.
    assert "Block tag error" in caplog.text

    rebuild(index, tmp_path)
    assert client.get(PHRASE_SEARCHES[0]).status_code == 200


def test_garbage_in_a_term_table_answers_503_and_recovers_when_rebuilt(
    sample_index, tmp_path, make_app, pyvi_loaded, caplog
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    garble_inside_a_segment(index, term_table.TABLE_EXT)
    client = make_app(INDEX=str(index)).test_client()
    # The table is checked whole when its segment is opened: nothing found in it is trusted.
    for url in JSON_ENDPOINTS + SEARCHES:
        assert_damaged(client.get(url), index)
    for url in PAGES:
        assert_damaged_page(client.get(url))
    assert "its checksum does not match" in caplog.text

    rebuild(index, tmp_path)
    assert client.get("/api/search?q=hoi+nghi").status_code == 200


@pytest.mark.slow
def test_gunicorn_answers_503_for_a_truncated_segment_and_recovers_when_rebuilt(
    sample_index, tmp_path
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    source = write_jsonl(tmp_path / "bulletins.jsonl", bulletins(5))
    search = "/api/search?q=" + quote('"bản tin số 3"')
    with running_service(index, tmp_path) as base:
        # Enough requests to reach both workers: each maps the segment file into memory.
        for _ in range(6):
            assert get(base + "/api/search?q=hoi+nghi")[0] == 200

        # Shrinking a mapped file would fault a worker that reads past its new end.
        truncate_a_segment(index)
        for url in ["/health", search] * 3:
            status, headers, body = get(base + url)
            assert (status, headers["Content-Type"]) == (503, "application/json")
            assert json.loads(body)["error"]["code"] == "index_damaged"
        status, headers, body = get(base + "/?q=hoi+nghi")
        assert (status, headers["Content-Type"]) == (503, "text/html; charset=utf-8")

        command = ["index", "--rebuild", str(source), "--index", str(index)]
        rebuilt = subprocess.run(
            [sys.executable, "-m", "search_service", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        for _ in range(6):
            status, _, body = get(base + search)
            assert (status, json.loads(body)["hits"][0]["id"]) == (200, "ban-tin-00003")
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log
    # No worker died on the way (two booted at the start, none since).
    assert log.count("Booting worker") == 2, log


def test_the_command_line_reports_garbage_that_a_search_reads_in_one_line(
    sample_index, tmp_path, capsys
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    garble_the_positions(index)
    assert cli.main(["search", '"hội nghị giao ban"', "--index", str(index)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"error: the index at {index} is damaged")
    assert err.count("\n") == 1 and "Traceback" not in err
