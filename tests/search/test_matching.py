"""The reading of a query and its tiers, on the sample articles: what each word is read as,
and which articles each tier holds (as the engine evaluates the query trees)."""

import numpy as np
import pytest

from search_service.search import matching, query
from search_service.search.matching import Kind
from search_service.search.types import Marks


@pytest.fixture(scope="module")
def generation(catalog):
    return catalog.current()


def _build(generation, text: str, prefix_last: bool = False):
    return matching.build(query.parse(text), generation.vocabulary, prefix_last=prefix_last)


def _ids(generation, tier) -> list[str]:
    found, _ = generation.engine.evaluate(tier)
    stored = generation.searcher.stored_fields
    return sorted(stored(int(n))["id"] for n in np.flatnonzero(found))


def _forms(found) -> list[list[tuple[str, str]]]:
    return [[(form.text, form.kind) for form in word.forms] for word in found.words]


def test_words_typed_without_marks_are_read_as_the_articles_write_them(generation):
    found = _build(generation, "hoi nghi giao ban")
    assert found.reading == "hội nghị giao ban"
    assert _forms(found) == [
        [("hội", Kind.RESTORED)],
        [("nghị", Kind.RESTORED)],
        [("giao", Kind.RESTORED)],
        [("ban", Kind.RESTORED)],
    ]
    assert [[form.text for form in word.looser] for word in found.words] == [
        ["hoi"],
        ["nghi"],
        ["giao"],
        ["ban"],
    ]
    assert (found.missing, found.correction) == ((), None)
    assert _ids(generation, found.precise) == [
        "article-khoa-giao-q3-2021",
        "bc-2020-quy-hoach-bao-chi",
        "dl-2022-an-ninh-tu-tuong-q1",
        "kg-2022-giao-ban-q1",
        "kg-2025-giao-ban-q1",
        "tt-2021-giao-ban-q3",
    ]
    assert found.marks == Marks(exact=frozenset({"hội", "nghị", "giao", "ban"}))


@pytest.mark.parametrize("typed", ["hooij nghij", "ho6i5 nghi5"])
def test_telex_and_vni_keystrokes_are_read_as_the_syllables_they_spell(generation, typed):
    found = _build(generation, typed)
    marked = _build(generation, "hội nghị")
    assert found.reading == "hội nghị"
    assert _forms(found) == [[("hội", Kind.KEYSTROKES)], [("nghị", Kind.KEYSTROKES)]]
    assert _forms(marked) == [[("hội", Kind.TYPED)], [("nghị", Kind.TYPED)]]
    assert len(_ids(generation, found.precise)) == 36
    assert _ids(generation, found.precise) == _ids(generation, marked.precise)


def test_a_word_typed_with_marks_means_that_form_only(generation):
    marked = _build(generation, "giáo")
    plain = _build(generation, "giao")  # alone, without marks: every likely reading
    assert _forms(marked) == [[("giáo", Kind.TYPED)]]
    assert _forms(plain) == [[("giáo", Kind.RESTORED), ("giao", Kind.RESTORED)]]
    assert (len(_ids(generation, marked.precise)), len(_ids(generation, plain.precise))) == (
        41,
        42,
    )


def test_a_word_no_article_holds_empties_the_precise_tier_and_is_named(generation):
    found = _build(generation, "xyzzy")
    assert found.missing == ("xyzzy",)
    assert _ids(generation, found.precise) == []
    assert _ids(generation, found.fallback) == []


def test_a_slip_is_mended_in_the_fallback_and_offered_as_the_correction(generation):
    found = _build(generation, "hân sự")
    assert (found.missing, found.correction) == (("hân",), "dân sự")
    assert found.words[0].mend == "dân"
    assert "dân" in found.fallback_marks.exact
    assert "dân" not in found.marks.exact
    assert _ids(generation, found.precise) == []


def test_an_abbreviation_and_its_expansion_find_the_same_articles(generation):
    short = _build(generation, "UBND")
    long = _build(generation, "Ủy ban nhân dân")
    assert short.marks.phrases == frozenset({("uy", "ban", "nhan", "dan")})
    assert long.marks.folded == frozenset({"ubnd"})
    assert _ids(generation, short.precise) == _ids(generation, long.precise)
    assert len(_ids(generation, short.precise)) == 12


def test_a_phrase_with_an_exclusion(generation):
    found = _build(generation, '"giao ban" -khoa')
    assert found.marks.phrases == frozenset({("giao", "ban")})
    assert _ids(generation, found.precise) == ["dl-2022-an-ninh-tu-tuong-q1"]


def test_nothing_to_search_for_builds_nothing(generation):
    assert _build(generation, "") is None
    assert _build(generation, "!!! ... ---") is None
