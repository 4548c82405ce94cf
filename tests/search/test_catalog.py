"""The catalog across generations: segment data kept, results as if read afresh."""

import json
import subprocess
import sys

import pytest

from search_service.index import term_table
from search_service.ingest import pipeline
from search_service.search import engine, vocabulary
from search_service.search.catalog import Catalog
from search_service.search.searching import search
from search_service.search.types import SearchRequest

from ..conftest import SAMPLES
from ..records import article, write_jsonl

QUERIES = ["hội nghị", "hoi nghi giao ban", "covid", "UBND tỉnh", "khoa học công nghệ"]


@pytest.fixture(scope="module")
def one_segment(tmp_path_factory):
    """The sample articles indexed in one ingest: one segment."""
    index = tmp_path_factory.mktemp("segment") / "index"
    pipeline.ingest([SAMPLES / "articles.jsonl"], index, workers=1)
    return index


@pytest.fixture(scope="module")
def three_segments(tmp_path_factory):
    """The same articles indexed in three ingests: three segments of different sectors."""
    folder = tmp_path_factory.mktemp("segments")
    lines = (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    index = folder / "index"
    for batch in range(3):
        part = folder / f"batch{batch}.jsonl"
        part.write_text("\n".join(lines[batch::3]) + "\n", encoding="utf-8")
        pipeline.ingest([part], index, workers=1)
    return index


def outcome(catalog: Catalog, text: str, **request) -> tuple:
    found = search(catalog, SearchRequest(q=text, limit=100, **request))
    return (
        [(hit.id, round(hit.score or 0, 4)) for hit in found.hits],
        {name: [(v.value, v.count) for v in values] for name, values in found.facets.items()},
    )


@pytest.mark.slow
def test_segments_are_searched_as_one_index(one_segment, three_segments):
    # The same articles in one segment or three give the same answers, scores and facet
    # counts (facet values are coded per segment, then recoded).
    whole, split = Catalog(one_segment), Catalog(three_segments)
    assert len(whole.current().parts) == 1
    assert len(split.current().parts) == 3
    for text in QUERIES:
        assert outcome(split, text) == outcome(whole, text)
    chosen = {"sectors": ("Khoa giáo", "Tuyên truyền"), "topics": ("Y tế",)}
    assert outcome(split, "", **chosen) == outcome(whole, "", **chosen)
    whole.close()
    split.close()


def test_a_commit_reads_only_the_new_segment(tmp_path):
    index = tmp_path / "index"
    pipeline.ingest([write_jsonl(tmp_path / "a.jsonl", [article(1), article(2)])], index, workers=1)
    opened = Catalog(index)
    assert search(opened, SearchRequest(q="hội nghị")).total == 2
    before = opened.current()
    (old,) = before.parts

    pipeline.ingest([write_jsonl(tmp_path / "b.jsonl", [article(3)])], index, workers=1)
    found = search(opened, SearchRequest(q="hội nghị"))
    after = opened.current()
    assert after is not before
    assert found.total == 3
    assert after.parts[0].data is old.data  # kept, not read again
    assert after.parts[1].data.size == 1

    pipeline.delete(["a1"], index)
    assert sorted(hit.id for hit in search(opened, SearchRequest(q="hội nghị")).hits) == [
        "a2",
        "a3",
    ]
    opened.close()


@pytest.mark.slow
@pytest.mark.parametrize("merged_from", [1, 1_000_000])
def test_word_tables_added_up_or_each_on_its_own_give_the_same_answers(
    one_segment, three_segments, monkeypatch, merged_from
):
    # Typos and words typed without marks are what read the word tables.
    monkeypatch.setattr(vocabulary, "MERGED_FROM", merged_from)
    whole, split = Catalog(one_segment), Catalog(three_segments)
    tables = split.current().vocabulary._tables("body")
    assert len(tables) == (1 if merged_from == 1 else 3)
    for text in ["hoi ngh giao ban", "cong nghe thong tn", "chuyen doi so", "tuyen giao"]:
        assert outcome(split, text) == outcome(whole, text)
    whole.close()
    split.close()


@pytest.mark.slow
@pytest.mark.parametrize("candidates", [term_table.MAX_CANDIDATES, 0])
def test_the_directory_of_large_segments_finds_what_each_segment_holds(
    one_segment, three_segments, tmp_path, monkeypatch, candidates
):
    # The segments of 10 articles or more are looked up through one directory: the same
    # answers as each segment looked up alone, and a commit that adds a smaller segment
    # keeps the directory. With no candidate allowed, each prefix (the readings of a pair
    # of words typed without marks) is searched in each segment instead: the same again.
    import shutil

    monkeypatch.setattr(engine, "DIRECTORY_FROM", 10)
    monkeypatch.setattr(term_table, "MAX_CANDIDATES", candidates)
    index = shutil.copytree(three_segments, tmp_path / "index")
    whole, split = Catalog(one_segment), Catalog(index)
    assert len(split.current().engine._in_directory) == 3
    searched = split.current().engine
    for prefix in ("hoi nghi|", "ban tuyen|", "tuyen giao|", "cong nghe|", "x|"):
        found = {(p.data.id, text, n) for p, text, n, _ in searched.prefixed("body_pairs", prefix)}
        assert found == {
            (part.data.id, text, n)
            for part in searched.parts
            for text, n in part.data.prefixed(part.leaf, "body_pairs", prefix)
        }
        assert found or prefix == "x|"
    texts = [*QUERIES, "hoi ngh giao ban", "cong nghe thong tn", "xqzvbn"]
    for text in texts:
        assert outcome(split, text) == outcome(whole, text)
    texts.append('"ban tuyên giáo"')  # ties in another order in one segment: not above
    built = split.current().engine.directory
    pipeline.ingest([write_jsonl(tmp_path / "one.jsonl", [article(1)])], index, workers=1)
    assert split.current().engine.directory is built
    assert len(split.current().parts) == 4
    fresh = Catalog(index)
    for text in texts:
        assert outcome(split, text) == outcome(fresh, text)
    for opened in (whole, split, fresh):
        opened.close()


@pytest.mark.slow
def test_warming_reads_ahead_and_closes_the_files(three_segments, monkeypatch):
    monkeypatch.setattr(engine, "WARM_MIN_DOCUMENTS", 2)  # frequent, in a small index
    warmed = Catalog(three_segments)
    warmed.warm(seconds=5)
    assert warmed._generation is None  # files closed: a fork opens its own
    read_ahead = warmed._warmed.engine._scored.entries()
    assert read_ahead
    # The generation a worker opens takes over what was read ahead.
    assert warmed.current().engine._inherited.keys() == read_ahead.keys()
    fresh = Catalog(three_segments)
    for text in QUERIES:
        assert outcome(warmed, text) == outcome(fresh, text)
    warmed.close()
    fresh.close()


@pytest.mark.slow
def test_warming_loads_pyvi_before_a_fork(three_segments):
    # In a process of its own: this one may have loaded pyvi already.
    code = (
        "import sys; from pathlib import Path; from search_service.search.catalog import Catalog;"
        f" Catalog(Path({str(three_segments)!r})).warm(seconds=0);"
        " print('pyvi.ViTokenizer' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "field, words",
    [
        ("body", ["hội", "nghị"]),
        ("body", ["hoi", "nghi", "giao", "ban"]),
        ("title", ["ban", "tuyên", "giáo"]),
        ("body", ["nghị", "hội"]),  # both words are common, never in this order
        ("body", ["ủy", "ban", "nhân", "dân"]),
        ("body", ["không", "có", "trong", "bài", "nào", "xyz"]),
    ],
)
def test_phrases_match_whoosh_across_segments(three_segments, field, words):
    # Phrases are checked by the engine from positions; Whoosh's own phrase query is the
    # reference, over an index of several segments.
    from whoosh import query as q

    opened = Catalog(three_segments)
    generation = opened.current()
    phrase = q.Phrase(field, words)
    mask, scores = generation.engine.evaluate(phrase)
    expected = sorted(generation.searcher.docs_for_query(phrase))
    assert sorted(mask.nonzero()[0].tolist()) == expected
    assert (scores[mask] > 0).all()
    within = mask.copy()
    within[expected[:1]] = False  # asked only about the others
    narrowed, _ = generation.engine.evaluate(phrase, within)
    assert sorted(narrowed.nonzero()[0].tolist()) == expected[1:]
    opened.close()


@pytest.mark.slow
def test_optimizing_merges_the_segments_and_keeps_every_answer(three_segments, tmp_path, capsys):
    import shutil

    from search_service import cli

    index = shutil.copytree(three_segments, tmp_path / "index")
    before = Catalog(index)
    answers = {text: outcome(before, text) for text in QUERIES}
    before.close()
    assert cli.main(["optimize", "--index", str(index)]) == 0
    assert capsys.readouterr().out.startswith("3 segments merged into one in ")
    after = Catalog(index)
    assert len(after.current().parts) == 1
    assert {text: outcome(after, text) for text in QUERIES} == answers
    after.close()


@pytest.mark.slow
def test_a_generation_inherits_what_it_would_read_afresh(three_segments, tmp_path, pyvi_loaded):
    # After each commit (a new article, the replacement of one in the first segment, then
    # enough one-article commits that the small segments merge), the new generation's
    # engine inherits the terms and phrase checks of the previous one for the segments both
    # hold, and its vocabulary the sums over them: every answer, scored term and sum is the
    # same as read afresh.
    import shutil

    import numpy as np

    index = shutil.copytree(three_segments, tmp_path / "index")
    queries = [*QUERIES, '"hội nghị"', '"ban tuyên giáo"', "hoi nghi -giao"]
    opened = Catalog(index)
    for text in queries:
        outcome(opened, text)
    replaced = json.loads((SAMPLES / "articles.jsonl").read_text(encoding="utf-8").split("\n")[0])
    commits = [[article(1)], [dict(replaced, title="Hội nghị khoa học công nghệ")]]
    commits += [[article(n)] for n in range(2, 7)]
    inherited = 0
    for number, records in enumerate(commits):
        previous = opened.current()
        terms = list(previous.engine._scored.entries())
        sums = list(previous.vocabulary._frequencies.entries())
        forms = list(previous.vocabulary._marked.entries())
        pipeline.ingest([write_jsonl(tmp_path / f"{number}.jsonl", records)], index, workers=1)
        current = opened.current()
        assert current is not previous
        inherited += current.engine._shared > 0
        fresh = Catalog(index)
        assert [outcome(opened, text) for text in queries] == [
            outcome(fresh, text) for text in queries
        ]
        for key in terms:
            mine = current.engine._scored_key(key)
            theirs = fresh.current().engine._scored_key(key)
            assert all(np.array_equal(a, b) for a, b in zip(mine, theirs, strict=True)), key
        vocabulary, afresh = current.vocabulary, fresh.current().vocabulary
        for key in sums:
            assert vocabulary.frequency(*key) == afresh.frequency(*key), key
        for field, folded in forms:
            mine = vocabulary.marked_forms(folded, field)
            assert list(mine.items()) == list(afresh.marked_forms(folded, field).items())
        for pair in [("hoi", "nghi"), ("giao", "ban"), ("khoa", "hoc")]:
            assert list(vocabulary.pair_readings(*pair).items()) == list(
                afresh.pair_readings(*pair).items()
            )
        fresh.close()
    assert inherited == len(commits)
    assert len(opened.current().parts) < 3 + len(commits)  # the small segments merged
    opened.close()


def test_a_folder_named_by_a_string_opens_as_one_named_by_a_path(one_segment):
    by_string, by_path = Catalog(str(one_segment)), Catalog(one_segment)
    try:
        request = SearchRequest(q="hội nghị")
        assert search(by_string, request).total == search(by_path, request).total > 0
    finally:
        by_string.close()
        by_path.close()
