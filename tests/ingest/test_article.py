import datetime
import unicodedata

import pytest

from search_service.errors import BadRecord
from search_service.ingest.article import Article

RECORD = {
    "id": "kg-1",
    "title": "Hội nghị giao ban Tỉnh uỷ",
    "body": "Nội dung  hội nghị.",
    "date": "2021-10-06",
    "sector": "Khoa giáo",
    "topics": ["Hội nghị giao ban"],
    "related": ["kg-2", "kg-1"],
    "author": "Lâm An",
    "unknown": "kept out",
}


def test_record_is_normalized_and_unknown_fields_dropped():
    article = Article.from_record(RECORD)
    assert article.title == "Hội nghị giao ban Tỉnh ủy"
    assert article.body == "Nội dung hội nghị."
    assert article.date == datetime.date(2021, 10, 6)
    assert article.topics == ("Hội nghị giao ban",)
    assert article.related == ("kg-2",)  # an article is not related to itself
    assert not hasattr(article, "unknown")


def test_nfd_record_equals_nfc_record():
    nfd = {
        k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v for k, v in RECORD.items()
    }
    assert Article.from_record(nfd) == Article.from_record(RECORD)
    assert Article.from_record(nfd).content_hash() == Article.from_record(RECORD).content_hash()


def test_content_hash_changes_with_content():
    changed = Article.from_record({**RECORD, "body": "Nội dung khác."})
    assert changed.content_hash() != Article.from_record(RECORD).content_hash()


def test_sector_from_the_command_line_applies_only_when_the_record_has_none():
    assert Article.from_record(RECORD, sector="Tuyên truyền").sector == "Khoa giáo"
    bare = {k: v for k, v in RECORD.items() if k != "sector"}
    assert Article.from_record(bare, sector="Tuyên truyền").sector == "Tuyên truyền"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "missing title"),
        ({"title": "   "}, "title is empty"),
        ({"body": ""}, "missing body"),
        ({"id": None}, "missing id"),
        ({"date": "2021-02-30"}, "date: impossible date '2021-02-30'"),
        ({"date": "31/04/2021"}, "date: impossible date '31/04/2021'"),
        ({"topics": "x" and [1, 2]}, "topics must be a list of strings"),
        ({"title": ["a"]}, "title must be a string"),
    ],
)
def test_bad_records_are_refused_with_a_reason(change, message):
    with pytest.raises(BadRecord) as error:
        Article.from_record({**RECORD, **change})
    assert message in error.value.message


def test_a_record_must_be_an_object():
    with pytest.raises(BadRecord, match="JSON object"):
        Article.from_record(["not", "an", "object"])


def test_vietnamese_day_first_date_is_accepted():
    assert Article.from_record({**RECORD, "date": "06/10/2021"}).date == datetime.date(2021, 10, 6)
