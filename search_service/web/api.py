"""The JSON API: the same result objects as the pages, as JSON. Documented in `openapi`."""

import dataclasses

from flask import Blueprint, Response, current_app, jsonify, request

from ..search import stored_article, suggest
from ..search.searching import related_articles, search
from ..search.types import MAX_LIMIT, SearchRequest
from . import openapi, params, resources

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search_json():
    wanted = SearchRequest.from_params(params.search_params())
    result = search(resources.catalog(), wanted)
    resources.count_search(wanted, result, request.remote_addr)
    return jsonify(result.to_dict())


@bp.get("/api/articles/<article_id:article_id>")
def article(article_id: str):
    return jsonify(stored_article.get_article(resources.catalog(), article_id).to_dict())


@bp.get("/api/articles/<article_id:article_id>/related")
def related(article_id: str):
    limit = params.whole_number("limit", 10, MAX_LIMIT)
    hits = related_articles(resources.catalog(), article_id, limit)
    return jsonify({"id": article_id, "related": [dataclasses.asdict(h) for h in hits]})


@bp.get("/api/suggest")
def suggestions():
    typed = request.args.get("q", "")
    style = params.one_of("format", ("json", "opensearch"))
    found = suggest.suggest(
        resources.catalog(), typed, params.whole_number("limit", 8, suggest.MAX_SUGGESTIONS)
    )
    if style == "opensearch":
        # The OpenSearch suggestions format: [query, [completions]].
        body = current_app.json.dumps([typed, [s.text for s in found]])
        return Response(body, mimetype="application/x-suggestions+json")
    return jsonify([dataclasses.asdict(s) for s in found])


@bp.get("/api/sectors")
def sectors():
    return jsonify({"sectors": _facet("sectors")})


@bp.get("/api/topics")
def topics():
    return jsonify({"topics": _facet("topics")})


def _facet(name: str) -> list[dict]:
    """Every value of a facet over the whole index, most frequent first."""
    everything = search(resources.catalog(), SearchRequest(limit=1))
    return [{"value": f.value, "count": f.count} for f in everything.facets[name]]


@bp.get("/health")
def health():
    held = resources.index_stats()
    return jsonify(
        {
            "status": "ok",
            "articles": held.articles,
            "generation": held.generation,
            "schema_version": held.schema_version,
            "first_date": held.first_date,
            "last_date": held.last_date,
        }
    )


@bp.get("/api/openapi.json")
def openapi_document():
    return jsonify(openapi.DOCUMENT)
