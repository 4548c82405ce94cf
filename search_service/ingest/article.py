"""The article: one record of the interchange format, validated and normalized.

`Article.from_record` is the single gate every source passes through (JSON Lines, the site's
page text, HTML pages, and later the write API): it checks the record, normalizes its text
once, and drops fields it does not know. Whatever it returns can be indexed.
"""

import dataclasses
import datetime
import hashlib
import json
import re
from typing import Literal, overload

from ..errors import BadRecord
from ..text import dates
from ..text.normalize import normalize, normalize_line
from ..text.syllables import folded_key

MAX_ID_LENGTH = 200
MAX_LIST_ITEMS = 100
# What no text field may hold: lone surrogates (`"\ud800"` in JSON), the sign of text broken
# on its way; normalizing would drop them, so the record is refused, naming the field. A
# control character is read as a space instead: in scraped articles it is copying debris
# (a backspace before a word), and refusing it lost 23 unc articles and one of vntc.
_NOT_TEXT = re.compile("[\ud800-\udfff]")
# An id is kept as sent: besides those, whitespace other than the space and the invisible
# characters that normalizing drops (`nl-\nx` became `nl- x`; two ids could become one).
_NOT_IN_ID = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200d\u2060\ufeff\ue000-\uf8ff\ud800-\udfff]"
)


@dataclasses.dataclass(frozen=True)
class Article:
    """A normalized article, ready to be indexed."""

    id: str
    title: str
    body: str
    date: datetime.date | datetime.datetime | None = None
    sector: str | None = None
    topics: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    related_titles: tuple[str, ...] = ()
    author: str | None = None
    summary: str | None = None
    url: str | None = None
    captions: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: object, sector: str | None = None) -> "Article":
        """Validate and normalize a record; `sector` applies when the record names none."""
        if not isinstance(record, dict):
            raise BadRecord("a record must be a JSON object")
        article_id = checked_id(record.get("id"))
        title = _line(record, "title", required=True)
        body = _text(record, "body", required=True)
        return cls(
            id=article_id,
            title=title,
            body=body,
            date=_date(record.get("date")),
            sector=_line(record, "sector") or (normalize_line(sector) if sector else None),
            topics=_lines(record, "topics"),
            related=tuple(r for r in _lines(record, "related") if r != article_id),
            related_titles=_lines(record, "related_titles"),
            author=_line(record, "author"),
            summary=_text(record, "summary"),
            url=_line(record, "url"),
            captions=_lines(record, "captions"),
        )

    @property
    def title_key(self) -> str:
        """The title as related-article links name it, whatever its case and marks."""
        return folded_key(self.title)

    def content_hash(self) -> str:
        """A digest of everything indexed, to skip unchanged articles on re-ingest."""
        data = dataclasses.asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        encoded = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def checked_id(value: object) -> str:
    """An article id as a record gives it (a URL too), checked and normalized."""
    article_id = _line({"id": value}, "id", required=True)
    if len(article_id) > MAX_ID_LENGTH:
        raise BadRecord(f"id is longer than {MAX_ID_LENGTH} characters")
    if article_id in (".", "..") or article_id.startswith("/"):
        # The article's page is /articles/<id>: browsers resolve `.` and `..` segments
        # and servers merge a leading slash, so such an id could never be opened.
        raise BadRecord(f"id {article_id!r} cannot be part of a web address")
    return article_id


# A required field is never None: it is there or the record is refused.
@overload
def _line(record: dict, name: str, *, required: Literal[True]) -> str: ...
@overload
def _line(record: dict, name: str, *, required: bool = False) -> str | None: ...
def _line(record: dict, name: str, *, required: bool = False) -> str | None:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise BadRecord(f"missing {name}")
        return None
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        # A JSON number id that is not a whole number (`1e309` read as infinity, `1.50` as
        # 1.5) would not be the id the sender wrote.
        kind = "a string or a whole number" if name == "id" else "a string"
        raise BadRecord(f"{name} must be {kind}")
    _check_characters(name, value, _NOT_IN_ID if name == "id" else _NOT_TEXT)
    value = normalize_line(value)
    if required and not value:
        raise BadRecord(f"{name} is empty")
    return value or None


@overload
def _text(record: dict, name: str, *, required: Literal[True]) -> str: ...
@overload
def _text(record: dict, name: str, *, required: bool = False) -> str | None: ...
def _text(record: dict, name: str, *, required: bool = False) -> str | None:
    value = record.get(name)
    if not isinstance(value, str) and value is not None:
        raise BadRecord(f"{name} must be a string")
    _check_characters(name, value or "", _NOT_TEXT)
    value = normalize(value or "")
    if required and not value:
        raise BadRecord(f"missing {name}")
    return value or None


def _lines(record: dict, name: str) -> tuple[str, ...]:
    values = record.get(name)
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRecord(f"{name} must be a list of strings")
    if len(values) > MAX_LIST_ITEMS:
        raise BadRecord(f"{name} has more than {MAX_LIST_ITEMS} items")
    seen: dict[str, None] = {}
    for value in values:
        _check_characters(name, value, _NOT_TEXT)
        value = normalize_line(value)
        if value:
            seen.setdefault(value, None)
    return tuple(seen)


def _check_characters(name: str, value: str, refused: re.Pattern) -> None:
    found = refused.search(value)
    if found is None:
        return
    code = ord(found.group())
    kind = (
        "a lone surrogate"
        if 0xD800 <= code <= 0xDFFF
        else "the control character"
        if code <= 0x9F
        else "the invisible character"
    )
    raise BadRecord(
        f"{name} holds {kind} U+{code:04X} at position {found.start()}: remove it and send "
        "the record again"
    )


def _date(value: object) -> datetime.date | datetime.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord("date must be a string")
    try:
        return dates.parse_date(value)
    except ValueError as error:
        raise BadRecord(f"date: {error}") from None
