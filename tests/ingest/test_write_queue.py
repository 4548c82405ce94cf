"""The write API's queue: group commit, order, results, recovery, limits, and who drains it."""

import multiprocessing
import sqlite3
import threading
import time

import pytest

from search_service.errors import QueueFull
from search_service.index import store, writing
from search_service.ingest import committer, pipeline, publish, write_queue
from search_service.ingest.article import Article
from search_service.ingest.write_queue import Operation, WriteQueue

from ..records import article, write_jsonl


@pytest.fixture
def queue(index):
    with WriteQueue(index) as opened:
        yield opened


def upsert(number: int, **fields) -> Operation:
    checked = Article.from_record(article(number, **fields))
    return Operation(checked.id, checked.content_hash(), checked)


def generation(index) -> int:
    return store.open_index(index).latest_generation()


def documents(index, article_id: str) -> list[dict]:
    with store.open_index(index).searcher() as searcher:
        return [searcher.stored_fields(n) for n in searcher.document_numbers(id=article_id)]


def test_operations_of_several_requests_are_applied_in_one_commit(index, queue):
    before = generation(index)
    deadline = time.time() + 10
    requests = [queue.append([upsert(n)], deadline, 1) for n in (1, 2, 3)]
    requests.append(queue.append([Operation.delete("kg-2022-giao-ban-q1")], deadline, 1))
    assert [queue.results(r) for r in requests] == [None] * 4
    assert write_queue.drain(queue) == 4
    assert generation(index) == before + 1
    assert [queue.results(r) for r in requests] == [["added"], ["added"], ["added"], ["deleted"]]
    assert documents(index, "a2")[0]["title"] == "Hội nghị giao ban công tác tuyên giáo số 2"
    assert documents(index, "kg-2022-giao-ban-q1") == []
    assert not queue.pending()


# Regression: Whoosh's update_document cannot see a document added before the same commit,
# so one id written twice in a batch was kept twice.
def test_one_id_written_several_times_in_a_batch_ends_as_its_last_write(index, queue):
    changed = upsert(1, title="Hội nghị tổng kết công tác tuyên giáo")
    operations = [upsert(1), changed, changed, Operation.delete("a1"), Operation.delete("a1")]
    request = queue.append([*operations, upsert(1)], time.time() + 10, 1)
    write_queue.drain(queue)
    assert queue.results(request) == [
        "added",
        "replaced",
        "unchanged",
        "deleted",
        "not_found",
        "added",
    ]
    assert [d["title"] for d in documents(index, "a1")] == [
        "Hội nghị giao ban công tác tuyên giáo số 1"
    ]


def test_a_write_that_changes_nothing_makes_no_new_generation(index, queue):
    deadline = time.time() + 10
    queue.append([upsert(1)], deadline, 1)
    write_queue.drain(queue)
    before = generation(index)
    request = queue.append([upsert(1), Operation.delete("khong-co")], deadline, 1)
    write_queue.drain(queue)
    assert queue.results(request) == ["unchanged", "not_found"]
    assert generation(index) == before


def test_results_of_a_drainer_killed_before_marking_them_are_kept(index, queue):
    request = queue.append([upsert(1), Operation.delete("kg-2022-giao-ban-q1")], time.time(), 1)
    # What a drainer killed right after its commit leaves: the index committed, the
    # operations still `committing`, with their results.
    with writing.writer(index, 0) as writer:
        write_queue._apply_batch(queue, writer)
    assert queue.results(request) is None
    assert write_queue.drain(queue) == 2
    # Applied again, they would be "unchanged" and "not_found"; the first results stand.
    assert queue.results(request) == ["added", "deleted"]
    assert len(documents(index, "a1")) == 1


def test_operations_queued_by_another_schema_version_are_dropped(index, queue):
    request = queue.append([upsert(1)], time.time() + 10, 1)
    with sqlite3.connect(queue.path) as connection:
        connection.execute("UPDATE operations SET schema_version = 0")
    connection.close()
    before = generation(index)
    write_queue.drain(queue)
    assert queue.results(request) == ["dropped"]
    assert generation(index) == before and documents(index, "a1") == []
    outcome = publish._dropped(publish.Outcome(0, "a1", "dropped"))
    assert outcome.status == "rejected" and "another index schema" in outcome.error.message


def test_a_full_queue_refuses_until_it_drains(index):
    with WriteQueue(index, max_pending=2) as queue:
        queue.append([upsert(1), upsert(2)], time.time() + 10, 1)
        with pytest.raises(QueueFull) as refused:
            queue.append([upsert(3)], time.time() + 10, 7)
        assert refused.value.headers() == {"Retry-After": "7"}
        assert refused.value.message == (
            "2 write operations are waiting to be applied (the queue holds 2); try again in 7 s"
        )
        write_queue.drain(queue)
        queue.append([upsert(3)], time.time() + 10, 1)


def test_a_write_waits_for_the_writer_process_a_bounded_time_then_stays_queued(index, queue):
    # No writer process: nothing is applied, and the write is answered after its wait.
    started = time.monotonic()
    assert write_queue.submit(queue, [upsert(1)], wait=0.3) is None
    assert 0.3 <= time.monotonic() - started < 1.0
    assert write_queue.submit(queue, [upsert(2)], wait=0) is None
    assert documents(index, "a1") == [] and queue.pending()
    stop = threading.Event()
    writer = threading.Thread(target=committer.run, args=(index, 0.05, lambda: not stop.is_set()))
    writer.start()
    try:
        # The writer process applies both queued writes and the next one.
        assert write_queue.submit(queue, [upsert(3)], wait=5) == ["added"]
    finally:
        stop.set()
        writer.join()
    assert [len(documents(index, f"a{n}")) for n in (1, 2, 3)] == [1, 1, 1]
    assert not queue.pending()


def test_the_cli_ingest_and_delete_apply_queued_writes_first(index, queue, tmp_path):
    queue.append([upsert(1, title="Bài viết đăng qua giao diện lập trình")], time.time(), 1)
    queue.append([Operation.delete("kg-2022-giao-ban-q1")], time.time(), 1)
    source = write_jsonl(tmp_path / "more.jsonl", [article(2), article(1)])
    summary = pipeline.ingest([source], index, workers=1)
    # The queued article was in before the file's a1 replaced it.
    assert (summary.added, summary.replaced) == (1, 1)
    assert documents(index, "kg-2022-giao-ban-q1") == []
    assert not queue.pending()
    queue.append([Operation.delete("a2")], time.time(), 1)
    assert pipeline.delete(["a1"], index) == []
    assert documents(index, "a1") == documents(index, "a2") == []


@pytest.mark.slow
def test_write_commits_merge_nothing_and_merges_are_commits_of_their_own(tmp_path):
    index = tmp_path / "index"
    # Larger than a merge takes (a quarter of writing.MERGE_MAX_DOCS at most).
    big = [article(n) for n in range(1000, 1000 + writing.MERGE_MAX_DOCS // 4 + 1)]
    pipeline.ingest([write_jsonl(tmp_path / "big.jsonl", big)], index, workers=1)
    (large,) = [s.segment_id() for s in store.open_index(index)._segments()]
    with WriteQueue(index) as queue:
        for number in range(21):
            queue.append([upsert(number)], time.time(), 1)
            assert write_queue.drain(queue, merge=False) == 1

    def sizes() -> list[int]:
        found = {s.segment_id(): s.doc_count_all() for s in store.open_index(index)._segments()}
        assert found.pop(large) == len(big)
        return sorted(found.values())

    assert sizes() == [1] * 21
    merges = 0
    while writing.merge_small(index):
        merges += 1
    # Four of one size make one: 21 singles -> five of 4 and a single -> one of 16, one of
    # 4 and the single.
    assert (merges, sizes()) == (6, [1, 4, 16])
    with store.open_index(index).searcher() as searcher:
        assert searcher.doc_count() == len(big) + 21


# Regression: a reader that listed the files of a commit just before the next commit deleted
# them (its table of contents, merged segments) failed with index_missing (a 503).
@pytest.mark.slow
def test_readers_open_the_index_while_commits_replace_its_files(index):
    operations = [upsert(n) for n in range(60)]

    def write() -> None:
        with WriteQueue(index) as queue:
            for operation in operations:
                queue.append([operation], time.time(), 1)
                write_queue.drain(queue)

    writer = multiprocessing.get_context("fork").Process(target=write)
    writer.start()
    opened = 0
    while writer.is_alive():
        store.open_searcher(index).close()
        opened += 1
    writer.join()
    assert writer.exitcode == 0 and opened > 60
    assert generation(index) > 40


def _first_use(folder, barrier, results, number: int) -> None:
    # One process's first use of a new queue: a write or a read, as a web worker's first
    # request and the writer process's first look.
    queue = WriteQueue(folder)
    barrier.wait()
    try:
        if number % 2:
            queue.append([Operation(f"bai-{number}")], time.time() + 60, retry_after=1)
        else:
            queue.pending()
        results.put("")
    except Exception as error:  # reported to the test
        results.put(f"{type(error).__name__}: {error}")
    finally:
        queue.close()


@pytest.mark.slow
def test_processes_that_open_a_new_queue_at_once_all_get_in(tmp_path):
    # Regression: SQLite refused one of several processes setting WAL mode at once without
    # waiting (about 1 in 20 tries of four processes), and a first write answered 503.
    context = multiprocessing.get_context("fork")
    failed = []
    for attempt in range(200):
        folder = tmp_path / f"queue-{attempt}"
        folder.mkdir()
        barrier, results = context.Barrier(4), context.Queue()
        processes = [
            context.Process(target=_first_use, args=(folder, barrier, results, n)) for n in range(4)
        ]
        for process in processes:
            process.start()
        failed += [error for error in (results.get(timeout=60) for _ in processes) if error]
        for process in processes:
            process.join()
    assert failed == []
    for attempt in range(200):  # and each write is queued
        with WriteQueue(tmp_path / f"queue-{attempt}") as queue:
            assert queue.queued("bai-1") and queue.queued("bai-3")
