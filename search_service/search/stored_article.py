"""Reading one article back from the index, with its explicit links resolved."""

import dataclasses

from ..errors import ArticleNotFound
from ..text.normalize import normalize_line
from ..text.syllables import folded_key
from .catalog import Catalog
from .related import linked_ids


@dataclasses.dataclass(frozen=True)
class Link:
    """Another article, by id and title."""

    id: str
    title: str


@dataclasses.dataclass(frozen=True)
class StoredArticle:
    """An article as the index holds it (normalized text), with its linked articles."""

    id: str
    title: str
    body: str
    date: str | None
    sector: str | None
    topics: list[str]
    derived_topics: list[str]
    author: str | None
    summary: str | None
    url: str | None
    captions: list[str]
    related: list[Link]
    unresolved_titles: list[str]

    def to_dict(self) -> dict:
        """The JSON shape of the article."""
        return dataclasses.asdict(self)


def get_article(catalog: Catalog, article_id: str) -> StoredArticle:
    """The article with id `article_id`; ArticleNotFound if the index has none."""
    searcher = catalog.current().searcher
    document = searcher.document(id=normalize_line(article_id))  # as ids are stored
    if document is None:
        raise ArticleNotFound(f"no article with id {article_id!r}")
    article_id = document["id"]
    links = []
    for linked_id in linked_ids(searcher, article_id):
        linked = searcher.document(id=linked_id)
        if linked is not None:
            links.append(Link(linked_id, linked["title"]))
    resolved = {folded_key(link.title) for link in links}
    return StoredArticle(
        id=document["id"],
        title=document["title"],
        body=document.get("body", ""),
        date=document.get("published"),
        sector=document.get("sector"),
        topics=list(document.get("topics") or []),
        derived_topics=list(document.get("derived_topics") or []),
        author=document.get("author"),
        summary=document.get("summary"),
        url=document.get("url"),
        captions=list(document.get("captions") or []),
        related=links,
        unresolved_titles=[
            t for t in document.get("related_titles") or [] if folded_key(t) not in resolved
        ],
    )
