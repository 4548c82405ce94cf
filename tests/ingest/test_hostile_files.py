"""Ingest of hostile files: each is refused or skipped with a message that names it, the
exit status says so, memory stays bounded, and nothing already indexed is touched."""

import contextlib
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from search_service.errors import BadRecord
from search_service.ingest import pipeline
from search_service.ingest.outcomes import MAX_PROBLEMS_LISTED
from search_service.search.catalog import Catalog
from search_service.search.searching import search
from search_service.search.types import SearchRequest
from search_service.sources import reader
from search_service.sources.html_page import parse_html_page

from ..records import article, write_jsonl

GIB = 1024**3
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
QUERIES = ("hoi nghi giao ban", "chuyển đổi số", "10-CT/TW", "")


def index_command(source: str, index: Path) -> list[str]:
    """`search-service index SOURCE --index INDEX`, as a user runs it."""
    return [sys.executable, "-m", "search_service", "index", source, "--index", str(index)]


def snapshot(index: Path) -> list[dict]:
    """What readers of `index` see: the article count and the results of a few searches."""
    catalog = Catalog(index)
    try:
        results = [search(catalog, SearchRequest(q=q, limit=100)).to_dict() for q in QUERIES]
    finally:
        catalog.close()
    for result in results:
        result.pop("took_ms")
    return results


@pytest.fixture
def indexed(sample_index, tmp_path) -> Path:
    """A copy of the sample index, to throw hostile files at."""
    shutil.copytree(sample_index, tmp_path / "index")
    return tmp_path / "index"


@contextlib.contextmanager
def sparse_folder(tmp_path: Path):
    """A folder for sparse files. In memory-backed tmpfs where there is one (as gunicorn_conf
    uses for its heartbeat files): reading a hole there costs nothing, where a disk file
    system fills the page cache with a gigabyte of zeros first (2 s here)."""
    shared_memory = Path("/dev/shm")
    where = shared_memory if shared_memory.is_dir() and os.access(shared_memory, os.W_OK) else None
    if where is None:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=where) as folder:
        yield Path(folder)


def write_huge_line(path: Path, after: list[dict]) -> Path:
    """A JSON Lines file whose first line is 1 GiB long (sparse: it takes no disk space),
    then `after`, one record a line."""
    with path.open("wb") as out:
        out.write('{"id": "dai", "title": "Bài rất dài", "body": "'.encode())
        out.write("Hội nghị giao ban. ".encode() * 1000)  # text first: not binary
        out.seek(GIB)
        out.write(b'"}\n')
        for record in after:
            out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    return path


def write_gzip_bomb(path: Path, inflated: int = 2 * GIB) -> Path:
    """A .jsonl.gz of 2 GiB of spaces in 2 MiB: the same gzip member of 8 MiB, repeated."""
    member = gzip.compress(b" " * (8 * 1024**2), compresslevel=9)
    with path.open("wb") as out:
        for _ in range(inflated // (8 * 1024**2)):
            out.write(member)
    return path


def deep_html(inner: str, depth: int = 10_000) -> str:
    return (
        "<!doctype html><html><head><title>Tin có mã độc</title>"
        "<script>document.title = 'pwned'</script></head><body>"
        + "<div>" * depth
        + inner
        + "</div>" * depth
        + "</body></html>"
    )


def hostile_files(folder: Path) -> dict[Path, str]:
    """Files that must each be refused whole, with the message expected for each."""
    folder.mkdir()
    empty = folder / "empty.jsonl"
    empty.write_bytes(b"")
    blank = folder / "blank.jsonl"
    blank.write_bytes(b"\n   \n\t\n")
    empty_page = folder / "empty.html"
    empty_page.write_bytes(b"")
    binary = folder / "binary.jsonl"
    binary.write_bytes(random.Random(5).randbytes(64 * 1024))
    image = folder / "anh.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(4000))
    scripts = folder / "scripts.html"
    scripts.write_text(deep_html("<script>window.__pwned = 1</script>" * 100), encoding="utf-8")
    bomb = write_gzip_bomb(folder / "bomb.jsonl.gz")
    return {
        empty: "empty file",
        blank: "empty file",
        empty_page: "empty file",
        binary: "binary data, not text: skipped whole",
        image: "binary data, not text: skipped whole",
        scripts: "no article text found in the HTML page",
        bomb: "refused: inflates to more than 100 times its compressed size",
    }


@pytest.mark.slow
def test_hostile_files_are_refused_by_the_command_and_the_index_is_untouched(indexed, tmp_path):
    before = snapshot(indexed)
    files = hostile_files(tmp_path / "hostile")
    done = subprocess.run(
        index_command(str(tmp_path / "hostile"), indexed),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert f"0 added, 0 replaced, 0 unchanged, {len(files)} skipped" in done.stdout
    problems = done.stderr.splitlines()
    assert len(problems) == len(files), problems
    for file, message in files.items():
        assert any(p.startswith(f"skipped: {file}: {message}") for p in problems), message
    assert "Traceback" not in done.stderr
    assert snapshot(indexed) == before


@pytest.mark.slow
def test_hostile_files_are_refused_by_the_library_and_the_index_is_untouched(indexed, tmp_path):
    before = snapshot(indexed)
    files = hostile_files(tmp_path / "hostile")
    summary = pipeline.ingest([tmp_path / "hostile"], indexed, workers=1)
    assert (summary.added, summary.replaced, summary.skipped) == (0, 0, len(files))
    # In name order, one message a file.
    assert [p.split(": ", 1)[0] for p in summary.problems] == sorted(map(str, files))
    for problem in summary.problems:
        file, message = problem.split(": ", 1)
        assert message.startswith(files[Path(file)]), problem
    assert snapshot(indexed) == before


@pytest.mark.slow
def test_a_line_of_a_gigabyte_is_skipped_in_bounded_memory_and_the_next_line_indexed(
    indexed, tmp_path
):
    before = snapshot(indexed)
    after = article(1, id="sau-dong-dai", title="Hội nghị sau một dòng rất dài")
    with sparse_folder(tmp_path) as folder:
        source = write_huge_line(folder / "dai.jsonl", [after])
        process = subprocess.Popen(
            index_command(str(source), indexed),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The peak memory of the command and its worker, as the kernel counted it.
        _, status, usage = os.wait4(process.pid, 0)
        output, errors = process.stdout.read(), process.stderr.read()
        process.communicate()
    assert os.waitstatus_to_exitcode(status) == 2, errors
    assert errors.splitlines() == [f"skipped: {source}:1: line longer than 16 MiB"]
    assert "1 added, 0 replaced, 0 unchanged, 1 skipped" in output
    assert usage.ru_maxrss * 1024 < 400 * 1024**2  # the indexer alone takes ~120 MiB
    assert snapshot(indexed)[-1]["total"] == before[-1]["total"] + 1


@pytest.mark.parametrize("name", ["bomb.jsonl.gz", "bomb.gz", "bomb.html"])
def test_a_gzip_bomb_is_refused_after_inflating_little(tmp_path, name):
    # Named as anything: gzip is recognized by its first bytes, not its name.
    bomb = write_gzip_bomb(tmp_path / name)
    found = list(reader.read_paths([bomb]))
    assert [type(f) for f in found] == [reader.Problem]
    assert found[0].error.source == str(bomb)
    assert "inflates to more than 100 times its compressed size" in found[0].error.message


def test_the_bomb_guard_stops_inflating_early(tmp_path):
    bomb = write_gzip_bomb(tmp_path / "bomb.jsonl.gz")
    inflating = reader._Inflating(bomb)
    buffer = bytearray(1024**2)
    with pytest.raises(BadRecord):
        while inflating.readinto(buffer):
            pass
    assert inflating.count <= reader.BOMB_FLOOR + len(buffer)
    inflating.close()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus beside the checkout")
@pytest.mark.parametrize("name", ["vntc", "baomoi", "unc", "vims"])
def test_the_real_gzip_corpora_are_not_taken_for_bombs(name):
    # Well past the guard's floor (16 MiB): the first 20,000 articles of each file.
    units = 0
    for unit in reader.read_paths([CORPUS / f"{name}.jsonl.gz"]):
        assert isinstance(unit, reader.Unit), unit
        units += 1
        if units == 20_000:
            break
    assert units >= 1_900


def test_a_page_of_scripts_and_10000_nested_tags_keeps_only_its_text(tmp_path):
    inner = (
        "<p>Hội nghị giao ban công tác Khoa giáo"
        "<script>window.__pwned = 1</script><style>p { color: red }</style> quý III.</p>"
        '<p>Đồng chí <img src=x onerror="window.__pwned = 1">chủ trì hội nghị.</p>'
    )
    record = parse_html_page(deep_html(inner).encode(), "sau.html")
    # Regression: flattening the tags past libxml2's depth dropped the <script> tags but kept
    # their code, which became article text.
    assert (
        record["body"]
        == "Hội nghị giao ban công tác Khoa giáo quý III.\n\nĐồng chí chủ trì hội nghị."
    )
    assert record["title"] == "Tin có mã độc"


def test_problems_are_listed_up_to_a_bound_and_counted_beyond(tmp_path, capsys):
    lines = [f"không phải JSON {n}" for n in range(MAX_PROBLEMS_LISTED + 500)]
    source = write_jsonl(tmp_path / "rac.jsonl", lines)
    summary = pipeline.ingest([source], tmp_path / "index", workers=1)
    assert summary.skipped == MAX_PROBLEMS_LISTED + 500
    assert len(summary.problems) == MAX_PROBLEMS_LISTED
    assert summary.problems[0] == f"{source}:1: invalid JSON: Expecting value at column 1"
    assert summary.unlisted == 500


def test_ids_are_never_paths_and_stay_one_web_address_segment(tmp_path):
    kept = ["../../etc/passwd", "a/../b", "2021/10/tin", "x\\..\\y"]
    refused = [".", "..", "/etc/passwd"]
    records = [article(n, id=i) for n, i in enumerate(refused + kept)]
    source = write_jsonl(tmp_path / "a.jsonl", records)
    index = tmp_path / "index"
    summary = pipeline.ingest([source], index, workers=1)
    # `.`, `..` and a leading `/` cannot be part of /articles/<id>: browsers resolve the
    # dots, servers merge the slash.
    assert summary.problems == [
        f"{source}:{line}: id {i!r} cannot be part of a web address"
        for line, i in enumerate(refused, 1)
    ]
    catalog = Catalog(index)
    hits = search(catalog, SearchRequest(limit=10)).hits
    catalog.close()
    assert sorted(h.id for h in hits) == sorted(kept)
    # Nothing was written anywhere but the index folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "index"]
