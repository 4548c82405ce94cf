"""An article to the fields the index writer adds: segmented, analyzed, ready to write.

The costly part of writing an article (pyvi segmentation, topic derivation, the analysis in
one pass, `analysis.document_terms`) happens here, in the ingest's worker processes or in the
writer process of the write API; the writer then only adds the postings.
"""

import dataclasses
import datetime
import functools
from collections.abc import Iterable

from ..index.analysis import document_terms
from ..index.schema import build_schema
from ..text.segmentation import segment
from ..text.syllables import folded_key
from ..text.topics import derive_topics
from .article import Article


@dataclasses.dataclass(frozen=True)
class Prepared:
    """An article analyzed by a worker: the writer's fields, ready to add."""

    id: str
    fields: dict


@functools.cache
def _schema():
    return build_schema()


def prepare(article: Article, content_hash: str | None = None) -> Prepared:
    """Segment and analyze an article into the fields the writer adds."""
    schema = _schema()
    title = segment(article.title)
    body = segment(article.body)
    derived = () if article.topics else tuple(derive_topics(title, body))
    # Captions and the author are searched with the body; they are stored apart from it.
    searchable_body = "\n\n".join([body, *map(segment, article.captions), article.author or ""])
    title_syllables, title_words, title_pairs = document_terms(title)
    body_syllables, body_words, body_pairs = document_terms(searchable_body)
    fields = {
        "id": article.id,
        "title": schema["title"].postings(title_syllables),
        "_stored_title": article.title,
        "title_words": schema["title_words"].postings(title_words),
        "title_pairs": schema["title_pairs"].postings(title_pairs),
        "body": schema["body"].postings(body_syllables),
        "_stored_body": article.body,
        "body_words": schema["body_words"].postings(body_words),
        "body_pairs": schema["body_pairs"].postings(body_pairs),
        "author": schema["author"].index(article.author) if article.author else None,
        "_stored_author": article.author,
        "captions": list(article.captions) or None,
        "title_key": article.title_key,
        "sector": article.sector,
        "topics": _keywords(article.topics),
        "_stored_topics": list(article.topics),
        "derived_topics": _keywords(derived),
        "_stored_derived_topics": list(derived),
        "topic_list": list(article.topics or derived),
        "related": _keywords(article.related),
        "_stored_related": list(article.related),
        "related_title_keys": _keywords(folded_key(t) for t in article.related_titles),
        "related_titles": list(article.related_titles) or None,
        "date": _naive(article.date) if article.date else None,
        "published": article.date.isoformat() if article.date else None,
        "summary": article.summary,
        "url": article.url,
        "content_hash": content_hash or article.content_hash(),
    }
    return Prepared(article.id, {k: v for k, v in fields.items() if v is not None})


def _keywords(values: Iterable[str]) -> str | None:
    # KEYWORD fields split on commas; a comma inside one value must not split it.
    joined = ",".join(v.replace(",", " ") for v in values)
    return joined or None


def _naive(value: datetime.date) -> datetime.datetime:
    # Day-precision filters compare local calendar days: keep the wall-clock time as given.
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return datetime.datetime(value.year, value.month, value.day)
