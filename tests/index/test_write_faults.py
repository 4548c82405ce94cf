"""A write the index folder refuses (a full disk, a file size limit, a read-only folder):
a clear error, the index keeps its last commit and its space, reads go on, and the same
ingest completes once the fault is gone.

The faults are the kernel's own (see `os_faults`): ENOSPC on a small tmpfs, EFBIG past
RLIMIT_FSIZE, EROFS or EPERM on a read-only folder.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from search_service import cli
from search_service.errors import IndexUnwritable
from search_service.index import store
from search_service.ingest import pipeline
from search_service.ingest.outcomes import Summary
from search_service.web import create_app, resources

from ..os_faults import (
    file_size_limit,
    fill,
    held_by_deleted_files,
    leftovers,
    limit_file_size,
    read_only,
    resize,
    small_disk,
)
from ..records import bulletins, write_jsonl

pytestmark = pytest.mark.slow

SAMPLE_ARTICLES = 48
BULLETINS = 200
COMMIT_EVERY = 20
# A segment of 20 bulletins takes under 1 MB: with a limit of 1 MB several commits
# land, and the first merge of segments fails (after 140 articles here).
FILE_SIZE_LIMIT = 1024 * 1024
# The sample index takes 3.7 MB (2.7 before term tables): room for a few commits of
# bulletins, not for all of them.
DISK_SIZE = 7 * 1024 * 1024
COMMITTED = re.compile(r"^committed ([\d,]+) records \(")


def ids_in(index) -> set[str]:
    with store.open_searcher(index) as searcher:
        return {document["id"] for document in searcher.documents()}


def sample_ids(sample_index) -> set[str]:
    return ids_in(sample_index)


def serves_reads(index, articles: int, query: str, article_id: str, search_log: str = "off"):
    """Assert that the web app over `index` answers its pages and API from the last commit."""
    app = create_app({"TESTING": True, "INDEX": str(index), "SEARCH_LOG": search_log})
    client = app.test_client()
    try:
        health = client.get("/health")
        assert (health.status_code, health.get_json()["articles"]) == (200, articles)
        found = client.get("/api/search", query_string={"q": query})
        assert found.status_code == 200
        assert found.get_json()["hits"][0]["id"] == article_id
        assert client.get("/", query_string={"q": query}).status_code == 200
        assert client.get(f"/articles/{article_id}").status_code == 200
    finally:
        resources.close(app)


def test_past_a_file_size_limit_the_ingest_fails_clearly_and_keeps_its_last_commit(
    sample_index, tmp_path, pyvi_loaded
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    records = bulletins(BULLETINS)
    source = write_jsonl(tmp_path / "bulletins.jsonl", records)
    acknowledged = [0]

    def progress(summary: Summary) -> None:
        acknowledged.append(summary.committed)

    with file_size_limit(FILE_SIZE_LIMIT), pytest.raises(IndexUnwritable) as failure:
        pipeline.ingest([source], index, workers=2, commit_every=COMMIT_EVERY, progress=progress)
    assert failure.value.message == (
        f"cannot write the index at {index}: File too large; it keeps its last commit and "
        "still serves searches: raise the file size limit of the indexing process "
        "(ulimit -f), then index again"
    )
    assert failure.value.exit_code == 6
    committed = max(acknowledged)
    assert 0 < committed < BULLETINS

    # The last commit, nothing of the batch that failed, no file of it left.
    first = {record["id"] for record in records[:committed]}
    assert ids_in(index) == sample_ids(sample_index) | first
    assert leftovers(index) == set()
    last = f'"bản tin số {committed - 1}"'
    serves_reads(index, SAMPLE_ARTICLES + committed, last, records[committed - 1]["id"])

    # The limit lifted, the same ingest completes; the lock was released (no wait).
    summary = pipeline.ingest([source], index, workers=2, commit_every=COMMIT_EVERY, wait=0)
    assert (summary.added, summary.unchanged) == (BULLETINS - committed, committed)
    assert len(ids_in(index)) == SAMPLE_ARTICLES + BULLETINS


def test_the_command_reports_a_refused_write_in_one_line_and_status_6(sample_index, tmp_path):
    index = shutil.copytree(sample_index, tmp_path / "index")
    # Deleting writes a new table of contents (3.7 kB): past a 1 kB limit. The command
    # ignores SIGXFSZ, which would otherwise kill it.
    command = ["delete", "kg-2022-giao-ban-q1", "--index", str(index)]
    result = subprocess.run(
        [sys.executable, "-m", "search_service", *command],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_file_size(1024),
    )
    assert result.returncode == 6
    assert result.stderr.splitlines() == [
        f"error: cannot write the index at {index}: File too large; it keeps its last commit "
        "and still serves searches: raise the file size limit of the indexing process "
        "(ulimit -f), then index again"
    ]
    assert result.stdout == ""
    assert "kg-2022-giao-ban-q1" in ids_in(index)
    assert leftovers(index) == set()


def test_a_full_disk_during_an_ingest_is_one_line_and_reads_go_on_on_the_full_disk(
    sample_index, tmp_path, capsys, pyvi_loaded
):
    records = bulletins(BULLETINS)
    source = write_jsonl(tmp_path / "bulletins.jsonl", records)
    with small_disk(tmp_path / "disk", DISK_SIZE) as disk:
        index = shutil.copytree(sample_index, disk / "index")
        command = ["index", str(source), "--index", str(index), "--workers", "2"]
        command += ["--commit-every", str(COMMIT_EVERY)]
        assert cli.main(command) == 6
        printed = capsys.readouterr()
        *commits, error = printed.err.splitlines()
        assert error == (
            f"error: cannot write the index at {index}: No space left on device; it keeps "
            "its last commit and still serves searches: free space on its disk, then index "
            "again"
        )
        assert commits and all(COMMITTED.match(line) for line in commits), printed.err
        assert printed.out == ""
        committed = int(COMMITTED.match(commits[-1])[1].replace(",", ""))
        assert ids_in(index) == sample_ids(sample_index) | {r["id"] for r in records[:committed]}
        # The failed batch's files are gone, and their space with them.
        assert leftovers(index) == set()
        assert held_by_deleted_files(disk) == 0

        # Reads, with the disk full to the last byte and the search log on it.
        filler = fill(disk)
        last = f'"bản tin số {committed - 1}"'
        serves_reads(index, SAMPLE_ARTICLES + committed, last, records[committed - 1]["id"], "")

        # Room again: the same command completes, reporting the committed ones unchanged.
        filler.unlink()
        resize(disk, 16 * DISK_SIZE)
        assert cli.main(command) == 0
        assert (
            f"{BULLETINS - committed} added, 0 replaced, {committed} unchanged, 0 skipped"
            in capsys.readouterr().out
        )
        assert len(ids_in(index)) == SAMPLE_ARTICLES + BULLETINS


def test_a_read_only_index_folder_refuses_writes_clearly_and_serves_reads(
    sample_index, tmp_path, pyvi_loaded
):
    index = shutil.copytree(sample_index, tmp_path / "index")
    records = bulletins(3)
    source = write_jsonl(tmp_path / "bulletins.jsonl", records)
    before = {name: os.stat(index / name).st_mtime_ns for name in os.listdir(index)}
    with read_only(index):
        for write in (
            lambda: pipeline.ingest([source], index, workers=1, wait=0),
            lambda: pipeline.delete(["kg-2022-giao-ban-q1"], index, wait=0),
        ):
            with pytest.raises(IndexUnwritable) as failure:
                write()
            # A read-only mount (EROFS), the immutable attribute (EPERM), no permission.
            assert failure.value.message in (
                f"cannot write the index at {index}: Read-only file system; it keeps its "
                "last commit and still serves searches: mount its disk writable, then index "
                "again",
                f"cannot write the index at {index}: Operation not permitted; it keeps its "
                "last commit and still serves searches: make the folder writable (see also "
                "`lsattr -d` for the immutable attribute), then index again",
                f"cannot write the index at {index}: Permission denied; it keeps its last "
                "commit and still serves searches: make the folder writable for this user, "
                "then index again",
            )
        sample = "kg-2022-giao-ban-q1"
        serves_reads(index, SAMPLE_ARTICLES, "giao ban khoa giáo quý I năm 2022", sample)
    assert {name: os.stat(index / name).st_mtime_ns for name in os.listdir(index)} == before

    summary = pipeline.ingest([source], index, workers=1, wait=0)
    assert summary.added == 3
