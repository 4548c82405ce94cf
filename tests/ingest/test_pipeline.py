import gzip
import json
import time

import pytest

from search_service.errors import IndexBusy, IndexDamaged, SchemaMismatch
from search_service.index import store, writing
from search_service.ingest import pipeline
from search_service.ingest.outcomes import Summary

from ..records import SAMPLES, article, write_jsonl


def stored(path, article_id):
    with store.open_index(path).searcher() as searcher:
        return searcher.document(id=article_id)


def count(path):
    with store.open_index(path).searcher() as searcher:
        return searcher.doc_count()


def test_ingest_adds_then_skips_unchanged_then_replaces(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [article(1), article(2)])
    index = tmp_path / "index"
    first = pipeline.ingest([source], index, workers=1)
    assert (first.added, first.replaced, first.unchanged, first.skipped) == (2, 0, 0, 0)
    again = pipeline.ingest([source], index, workers=1)
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)
    write_jsonl(source, [article(1, title="Hội nghị tổng kết công tác tuyên giáo"), article(2)])
    changed = pipeline.ingest([source], index, workers=1)
    assert (changed.added, changed.replaced, changed.unchanged) == (0, 1, 1)
    assert count(index) == 2
    assert stored(index, "a1")["title"] == "Hội nghị tổng kết công tác tuyên giáo"


# Regression: Whoosh's update_document does not see a document added since the last commit,
# so an id twice in one batch was kept twice.
def test_an_id_twice_in_one_batch_is_kept_once_as_its_last_version(tmp_path):
    changed = article(1, title="Hội nghị tổng kết công tác tuyên giáo")
    source = write_jsonl(tmp_path / "a.jsonl", [article(1), article(2), changed, changed])
    summary = pipeline.ingest([source], tmp_path / "index", workers=1)
    assert (summary.added, summary.replaced, summary.unchanged) == (2, 1, 1)
    assert count(tmp_path / "index") == 2
    assert stored(tmp_path / "index", "a1")["title"] == changed["title"]


def test_stored_text_is_the_normalized_text(tmp_path):
    record = article(1, title="Tỉnh uỷ Khánh Hoà", body="Ðảng bộ  tỉnh\u200b Khánh Hoà.")
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [record])], index, workers=1)
    document = stored(index, "a1")
    assert document["title"] == "Tỉnh ủy Khánh Hòa"
    assert document["body"] == "Đảng bộ tỉnh Khánh Hòa."


def test_bad_records_are_reported_with_file_and_line_and_the_rest_indexed(tmp_path):
    source = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            article(1),
            '{"id": "broken", "title": ',
            {"id": "no-title", "body": "Nội dung"},
            article(4, date="2021-02-30"),
            "",
            article(5),
        ],
    )
    with source.open("ab") as out:
        out.write(b'{"id": "latin1", "title": "H\xf4i", "body": "x"}\n')
    summary = pipeline.ingest([source], tmp_path / "index", workers=2)
    assert (summary.added, summary.skipped) == (2, 4)
    assert summary.problems == [
        f"{source}:2: invalid JSON: Expecting value at column 26",
        f"{source}:3: missing title",
        f"{source}:4: date: impossible date '2021-02-30': day is out of range for month",
        f"{source}:7: undecodable bytes at byte 28 (not UTF-8)",
    ]


# Regression: json.loads raises a plain ValueError for integers of more than 4,300 digits,
# which stopped the whole ingest with a traceback.
def test_a_number_too_long_to_read_is_a_bad_record(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", ['{"id": ' + "9" * 5000 + "}", article(2)])
    summary = pipeline.ingest([source], tmp_path / "index", workers=1)
    assert (summary.added, summary.problems) == (
        1,
        [f"{source}:1: invalid JSON: a number too long to read"],
    )


def test_missing_path_is_reported_and_the_rest_indexed(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [article(1)])
    summary = pipeline.ingest([tmp_path / "nope.jsonl", source], tmp_path / "index", workers=1)
    assert summary.added == 1
    assert summary.problems == [f"{tmp_path / 'nope.jsonl'}: no such file or folder"]


def test_folders_are_walked_and_gzip_read_directly(tmp_path):
    folder = tmp_path / "in" / "nested"
    folder.mkdir(parents=True)
    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(json.dumps(article(2), ensure_ascii=False) + "\n")
    write_jsonl(tmp_path / "in" / "a.jsonl", [article(1)])
    summary = pipeline.ingest([tmp_path / "in"], tmp_path / "index", workers=1)
    assert (summary.added, summary.skipped) == (2, 0)


def test_delete_by_id(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1), article(2)])], index, workers=1)
    assert pipeline.delete(["a1", "nope"], index) == ["nope"]
    assert count(index) == 1
    assert stored(index, "a1") is None


def test_derived_topics_are_stored_apart_from_given_ones(tmp_path):
    body = (
        "Chuyển đổi số là nhiệm vụ trọng tâm. Tỉnh đẩy mạnh chuyển đổi số trong cơ quan "
        "Đảng, xây dựng chính quyền số và kinh tế số. Chuyển đổi số cần nguồn nhân lực số."
    )
    records = [
        article(1, topics=["Xây dựng Đảng"]),
        {"id": "cds", "title": "Đẩy mạnh chuyển đổi số", "body": body},
    ]
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", records)], index, workers=1)
    given = stored(index, "a1")
    assert given["topics"] == ["Xây dựng Đảng"]
    assert "derived_topics" not in given
    derived = stored(index, "cds")
    assert "topics" not in derived
    assert derived["derived_topics"][0] == "Chuyển đổi"  # pyvi: chuyển_đổi số
    assert len(derived["derived_topics"]) <= 5


def test_schema_version_mismatch_says_to_rebuild(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1)])], index, workers=1)
    (index / store.METADATA_FILE).write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(SchemaMismatch, match=r"schema version 0\b.*rebuild it with"):
        store.open_index(index)
    summary = pipeline.ingest([tmp_path / "a.jsonl"], index, rebuild=True, workers=1)
    assert summary.added == 1
    assert count(index) == 1


# Regression: an index without service.json counted as none, and the next ingest created a
# new one over it, losing every article.
def test_an_index_that_lost_its_service_json_is_not_recreated_over_its_articles(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1)])], index, workers=1)
    (index / store.METADATA_FILE).unlink()
    with pytest.raises(IndexDamaged, match=r"has lost its service\.json: rebuild it with"):
        pipeline.ingest([write_jsonl(tmp_path / "b.jsonl", [article(2)])], index, workers=1)
    assert store.latest_generation(index) == 1 and any(index.glob("*.seg"))
    summary = pipeline.ingest([tmp_path / "a.jsonl"], index, rebuild=True, workers=1)
    assert (summary.added, count(index)) == (1, 1)


def test_a_second_writer_waits_then_fails_clearly(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1)])], index, workers=1)
    with writing.writer(index):
        started = time.monotonic()
        with pytest.raises(IndexBusy, match="another process is writing"):
            pipeline.ingest(
                [write_jsonl(tmp_path / "b.jsonl", [article(2)])], index, workers=1, wait=0.5
            )
        assert time.monotonic() - started >= 0.5
    assert count(index) == 1


def test_each_commit_holds_the_first_records_read_and_says_how_many(tmp_path, pyvi_loaded):
    # Unchanged and unreadable records are settled at once, without a worker: they must
    # still count after the records read before them, which the workers are preparing.
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "old.jsonl", [article(2), article(4)])], index)
    lines = [article(1), article(2), article(3), '{"id": ', article(4), article(5), article(6)]
    source = write_jsonl(tmp_path / "all.jsonl", lines)
    good = ["a1", "a2", "a3", None, "a4", "a5", "a6"]
    seen = []

    def progress(summary: Summary) -> None:
        if not seen or summary.committed != seen[-1][0]:
            with store.open_searcher(index) as searcher:
                held = {document["id"] for document in searcher.documents()}
            seen.append((summary.committed, held))

    summary = pipeline.ingest([source], index, workers=2, commit_every=1, progress=progress)
    assert summary.committed == summary.processed == 7
    assert [committed for committed, _ in seen] == [1, 3, 6, 7]
    for committed, held in seen:
        assert held == {"a2", "a4"} | {i for i in good[:committed] if i}


@pytest.mark.slow
def test_a_batch_ends_when_the_writers_memory_is_full(tmp_path, monkeypatch, pyvi_loaded):
    # Whoosh would spill the postings of a larger batch to disk and merge them back one at a
    # time; the ingest commits instead, so that the writer's memory bounds a batch.
    monkeypatch.setattr(writing, "WRITER_MEMORY_MB", 2)
    index = tmp_path / "index"
    commits = []
    monkeypatch.setattr(writing.Writer, "commit", _recorded(writing.Writer.commit, commits))

    summary = pipeline.ingest([SAMPLES], index, workers=1, commit_every=10_000)

    assert summary.skipped == 0
    assert len(commits) > 2
    assert all(runs == 0 for runs in commits)
    assert count(index) == summary.added


def _recorded(commit, commits: list):
    """`Writer.commit`, noting how many runs Whoosh had spilled to disk before each."""

    def recorded(writer, *args, **kwargs):
        commits.append(len(writer._writer.pool.runs))
        return commit(writer, *args, **kwargs)

    return recorded


def test_runs_that_each_leave_a_segment_keep_the_index_at_most_max_segments(
    tmp_path, monkeypatch, pyvi_loaded
):
    # Daily imports of a few hundred articles each leave a segment that is not small: once
    # there are MAX_SEGMENTS, a commit merges the smallest (here: segments of 2 articles,
    # none small, at most 3).
    monkeypatch.setattr(writing, "MERGE_MAX_DOCS", 4)
    monkeypatch.setattr(writing, "MAX_SEGMENTS", 3)
    index = tmp_path / "index"
    counts = []
    for day in range(5):
        records = [article(2 * day), article(2 * day + 1)]
        pipeline.ingest([write_jsonl(tmp_path / f"{day}.jsonl", records)], index, workers=1)
        counts.append(len(store.open_index(index)._segments()))
        assert count(index) == 2 * day + 2
    assert counts == [1, 2, 3, 1, 2]
