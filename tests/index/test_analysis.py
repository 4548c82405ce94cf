import json
import pickle

import pytest

from search_service.index.analysis import (
    SyllableTokenizer,
    document_terms,
    pair_analyzer,
    syllable_analyzer,
    word_analyzer,
)
from search_service.index.schema import build_schema
from search_service.ingest.pipeline import SAMPLES
from search_service.text.normalize import normalize
from search_service.text.segmentation import JOINER, segment


def tokens(analyzer, text):
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)
    ]


def test_syllables_exact_and_folded_at_the_same_position():
    assert tokens(syllable_analyzer(), "Hội nghị Covid") == [
        ("hội", 0, 0, 3),
        ("hoi", 0, 0, 3),
        ("nghị", 1, 4, 8),
        ("nghi", 1, 4, 8),
        ("covid", 2, 9, 14),
    ]


def test_every_syllable_is_kept_even_one_letter_and_english_stopwords():
    texts = [t.text for t in syllable_analyzer()("y tế ô nhiễm an ninh và a b")]
    assert texts == [
        "y",
        "tế",
        "te",
        "ô",
        "o",
        "nhiễm",
        "nhiem",
        "an",
        "ninh",
        "và",
        "va",
        "a",
        "b",
    ]


def test_document_codes_and_dates_stay_whole_beside_their_parts():
    got = tokens(syllable_analyzer(), "Chỉ thị số 10-CT/TW ngày 05/12/2011")
    assert ("10-ct/tw", 3, 11, 19) in got
    assert ("05/12/2011", 7, 25, 35) in got
    assert [t for t in got if t[0] in ("10", "ct", "tw")] == [
        ("10", 3, 11, 13),
        ("ct", 4, 14, 16),
        ("tw", 5, 17, 19),
    ]
    assert ("238-qd/tw", 0, 0, 9) in tokens(syllable_analyzer(), "238-QĐ/TW")


def test_number_separators_bind_only_between_digits():
    got = [t.text for t in syllable_analyzer()("1.000 người. Dự án")]
    assert "1.000" in got
    assert not any("." in t for t in got if t != "1.000")


def test_offsets_point_into_the_stored_text():
    text = "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị"
    for word, _, start, end in tokens(syllable_analyzer(), text):
        assert text[start:end].lower() in (
            word,
            "tỉnh",
            "ủy",
            "tuyên",
            "giáo",
            "tổ",
            "chức",
            "hội",
            "nghị",
        )


def test_words_are_pyvi_words_folded_with_offsets():
    text = "Ban Tuyên giáo Tỉnh ủy tổ chức Hội nghị"
    got = tokens(word_analyzer(), segment(text))
    assert ("hoi_nghi", 7, 31, 39) in got
    assert ("tuyen_giao", 1, 4, 14) in got
    assert all("_" in word for word, *_ in got)
    # Unmarked text is segmented on the fly, with the same result.
    assert tokens(word_analyzer(), text) == got


def test_joiner_is_not_part_of_any_token():
    marked = segment("Hội nghị giao ban")
    assert JOINER in marked
    assert all(JOINER not in t.text for t in syllable_analyzer()(marked))


def test_pairs_join_each_syllable_to_the_next_exact_behind_folded():
    # Codes are not paired whole; their parts are, as the positions of a phrase are.
    assert [t.text for t in pair_analyzer()("Hội nghị giao_ban 10-CT")] == [
        "hoi nghi|hội nghị",
        "nghi giao|nghị giao",
        "giao ban|giao ban",
        "ban 10|ban 10",
        "10 ct|10 ct",
    ]


def test_analyzers_pickle_and_compare_equal():
    for analyzer in (syllable_analyzer(), word_analyzer(), pair_analyzer()):
        restored = pickle.loads(pickle.dumps(analyzer))
        assert restored == analyzer
        assert [t.text for t in restored("Hội nghị")] == [t.text for t in analyzer("Hội nghị")]
    assert SyllableTokenizer(compounds=True) != SyllableTokenizer(compounds=False)


def _sample_texts() -> list[str]:
    with SAMPLES.joinpath("articles.jsonl").open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return [normalize(r[field]) for r in records for field in ("title", "body")]


@pytest.mark.parametrize(
    "text",
    [
        *_sample_texts(),
        "Chỉ thị số 10-CT/TW ngày 05/12/2011, 1.000 người; TP.HCM và Covid-19",
        "Hội nghị giao ban\n\nHội nghị tổng kết Hội nghị",
        "",
        "   ",
        "a-b/c&d 1.2.3 x.y 2021-10-06T08:00",
    ],
)
def test_the_indexers_one_pass_gives_the_analyzers_postings(text):
    schema = build_schema()
    marked = segment(text)
    syllables, words, pairs = document_terms(marked)
    assert schema["body"].postings(syllables) == schema["body"].index(marked)
    assert schema["title_words"].postings(words) == schema["title_words"].index(marked)
    assert schema["body_pairs"].postings(pairs) == schema["body_pairs"].index(marked)
