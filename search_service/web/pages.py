"""The pages: search, article, CSV export, OpenSearch description.

Each view reads the request, calls the library and renders; URLs of a search page's states
come from `links`.
"""

import datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..search import stored_article
from ..search.searching import related_articles, search
from ..search.types import SearchRequest
from . import export, links, params, resources

bp = Blueprint("pages", __name__)
# Facet values shown before "more": the rest are behind a <details>.
FACET_SHOWN = 8


@bp.get("/")
def search_page():
    given = params.search_params()
    state = links.Params(given)
    given.setdefault("limit", [str(current_app.config["PAGE_SIZE"])])
    wanted = SearchRequest.from_params(given)
    result = search(resources.catalog(), wanted)
    resources.count_search(wanted, result, request.remote_addr)
    return render_template(
        "search.html",
        query=state.one("q"),
        result=result,
        state=state,
        links=links.search_links(
            result,
            state,
            url_for("pages.search_page"),
            url_for("pages.export_csv"),
            url_for("api.search_json"),
        ),
        browsing=not state.one("q") and not state.has_filters,
        csv_max_rows=current_app.config["CSV_MAX_ROWS"],
        facet_shown=FACET_SHOWN,
    )


@bp.get("/articles/<article_id:article_id>")
def article_page(article_id: str):
    catalog = resources.catalog()
    article = stored_article.get_article(catalog, article_id)
    return render_template(
        "article.html", article=article, related=related_articles(catalog, article_id)
    )


@bp.get("/search.csv")
def export_csv():
    wanted = SearchRequest.from_params(params.search_params())
    found = export.export(resources.catalog(), wanted, current_app.config["CSV_MAX_ROWS"])
    day = datetime.date.today().isoformat()
    return Response(
        found.lines,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="tim-kiem-{day}.csv"',
            "X-Total-Count": str(found.total),
            "X-Export-Rows": str(found.rows),
            "X-Export-Truncated": "true" if found.truncated else "false",
        },
    )


@bp.get("/opensearch.xml")
def opensearch():
    # Absolute URLs from the configured address, never from the request's Host header,
    # which any client sets (and a shared cache would keep what it answered).
    config = current_app.config
    root = config["PUBLIC_URL"] or f"http://{config['BIND']}/"
    page = render_template("opensearch.xml", root=root)
    return Response(page, mimetype="application/opensearchdescription+xml")
