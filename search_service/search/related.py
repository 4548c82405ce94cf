"""Related articles: explicit links in both directions, then the most similar by content.

An article names its related articles by id (the `related` field) or by title (the titles
under `Tin khác cùng chủ đề` of the site's pages). Titles are resolved when read, not when
written: an article whose related title arrives in the index later is linked from then on,
and a deleted one drops out, with nothing to rewrite.
"""

from whoosh import query as q

from ..text.syllables import folded_key

SIMILAR_TERMS = 15


def linked_ids(searcher, article_id: str) -> list[str]:
    """Ids of the articles linked to or from `article_id`, in the order the article lists them."""
    document = searcher.document(id=article_id)
    if document is None:
        return []
    outgoing = list(document.get("related") or [])
    keys = [folded_key(t) for t in document.get("related_titles") or []]
    if keys:
        by_key: dict[str, str] = {}
        found = searcher.search(q.Or([q.Term("title_key", k) for k in keys]), limit=None)
        for hit in found:
            by_key.setdefault(folded_key(hit["title"]), hit["id"])
        outgoing += [by_key[k] for k in keys if k in by_key]
    incoming_query = q.Or(
        [q.Term("related", article_id), q.Term("related_title_keys", folded_key(document["title"]))]
    )
    incoming = [hit["id"] for hit in searcher.search(incoming_query, limit=None, sortedby="id")]
    linked: dict[str, None] = {}
    for linked_id in outgoing + incoming:
        if linked_id != article_id:
            linked.setdefault(linked_id, None)
    return list(linked)


def similar_ids(searcher, article_id: str, limit: int) -> list[str]:
    """Ids of the articles most like `article_id` by content: its most distinctive words
    (pyvi words of title and body, weighted against the whole index) searched together."""
    document = searcher.document(id=article_id)
    if document is None:
        return []
    text = document["title"] + "\n" + document["title"] + "\n" + (document.get("body") or "")
    terms = searcher.key_terms_from_text("body_words", text, numterms=SIMILAR_TERMS)
    if not terms:
        return []
    top = terms[0][1]
    like = q.Or(
        [
            q.Term(field, word, boost=weight / top)
            for word, weight in terms
            for field in ("body_words", "title_words")
        ]
    )
    found = searcher.search(q.AndNot(like, q.Term("id", article_id)), limit=limit)
    return [hit["id"] for hit in found]
