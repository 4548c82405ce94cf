"""The index's one writer: what it commits, what it drops, its lock, and its merges."""

import json

import pytest

from search_service.errors import IndexBusy
from search_service.index import store, writing
from search_service.ingest.article import Article
from search_service.ingest.fields import prepare

from ..conftest import SAMPLES

RECORDS = [
    json.loads(line)
    for line in (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:4]
]
FIRST, SECOND, THIRD, FOURTH = (record["id"] for record in RECORDS)


def _fields(record: dict) -> dict:
    return prepare(Article.from_record(record)).fields


def _ids(index) -> list[str]:
    with store.open_searcher(index) as searcher:
        return sorted(document["id"] for document in searcher.documents())


def _segments(index) -> int:
    return len(store.open_index(index)._segments())


@pytest.fixture
def empty(tmp_path):
    index = tmp_path / "index"
    writing.create_index(index)
    return index


def test_a_writer_commits_what_it_added_replaced_and_deleted(empty, pyvi_loaded):
    assert (FIRST, SECOND, THIRD) == (
        "kg-2019-khoa-hoc-cong-nghe",
        "kg-2020-y-te-covid",
        "kg-2021-tong-ket-chi-thi-10",
    )
    with writing.writer(empty) as writer:
        writer.add(_fields(RECORDS[0]))
        writer.add(_fields(RECORDS[1]))
    assert _ids(empty) == [FIRST, SECOND]

    retitled = RECORDS[0] | {"title": "Đưa khoa học và công nghệ vào nông nghiệp"}
    with writing.writer(empty) as writer:
        assert writer.content_hash(FIRST) == Article.from_record(RECORDS[0]).content_hash()
        assert writer.content_hash(THIRD) is None
        writer.update(_fields(retitled))
        assert writer.delete(SECOND) is True
        assert writer.delete("khong-co-bai-nay") is False
        writer.add(_fields(RECORDS[2]))

    assert _ids(empty) == [FIRST, THIRD]
    with store.open_searcher(empty) as searcher:
        assert searcher.document(id=FIRST)["title"] == retitled["title"]


def test_a_block_that_fails_commits_nothing_and_frees_the_lock(empty, pyvi_loaded):
    generation = store.latest_generation(empty)
    with pytest.raises(RuntimeError, match="cut short"), writing.writer(empty) as writer:
        writer.add(_fields(RECORDS[0]))
        raise RuntimeError("cut short")
    assert _ids(empty) == []
    assert store.latest_generation(empty) == generation
    with writing.writer(empty, timeout=0) as writer:  # the lock was released
        assert writer.segment_count() == 0


def test_a_commit_of_nothing_leaves_the_generation_readers_have(empty):
    generation = store.latest_generation(empty)
    with writing.writer(empty):
        pass
    assert store.latest_generation(empty) == generation


def test_a_second_writer_gives_up_at_once_with_a_timeout_of_zero(empty):
    def second_writer():
        with writing.writer(empty, timeout=0):
            pass

    with writing.writer(empty), pytest.raises(IndexBusy, match="did not finish within 0 s"):
        second_writer()
    second_writer()  # the first one is done


def test_small_segments_merge_apart_from_the_writes_and_optimize_merges_all(empty, pyvi_loaded):
    for record in RECORDS:
        with writing.writer(empty, merge=False) as writer:
            writer.add(_fields(record))
    assert _segments(empty) == 4
    assert writing.merge_small(empty) is True  # four of one size class
    assert (_segments(empty), writing.merge_small(empty)) == (1, False)

    with writing.writer(empty, merge=False) as writer:
        writer.update(_fields(RECORDS[0] | {"title": "Khoa học và công nghệ"}))
    assert writing.optimize(empty) == 2
    assert _segments(empty) == 1
    assert _ids(empty) == sorted([FIRST, SECOND, THIRD, FOURTH])


class _Segment:
    def __init__(self, size: int):
        self.size = size

    def doc_count_all(self) -> int:
        return self.size


@pytest.mark.parametrize(
    "sizes, merged",
    [
        ([1, 1, 1], []),  # three of the class 1-3: not yet
        ([3, 1, 2, 1], [1, 1, 2, 3]),
        ([15, 4, 1, 5, 6], [4, 5, 6, 15]),  # the class 4-15
        ([256, 256, 256, 256], [256, 256, 256, 256]),  # 1,024 articles at most
        ([257, 257, 257, 257], []),
        ([300] * 23, []),
        ([900, *[300] * 23], [300, 300, 300, 300]),  # a 25th would pass MAX_SEGMENTS
    ],
)
def test_the_merge_policy(sizes, merged):
    assert (writing.MERGE_FACTOR, writing.MERGE_MAX_DOCS, writing.MAX_SEGMENTS) == (4, 1024, 24)
    chosen = writing.to_merge([_Segment(size) for size in sizes])
    assert [segment.size for segment in chosen] == merged
