"""The web service: staff pages, the site search box and the JSON API, over the library.

    settings     the settings table: defaults -> SEARCH_SERVICE_* environment -> test dict
    resources    the catalog and the search log, opened lazily in each worker
    search_log   counts of queries by day, results and readers (told apart by a hash
                 under a key of the day, never an address); shows only queries that
                 several readers asked
    params       request parameters, as the library reads them
    pages        /, /articles/<id>, /search.csv, /opensearch.xml   (HTML, CSV)
      links      the URLs of a search page's states (facets, sorts, pages)
      export     the CSV export, streamed
      formatting dates and numbers the Vietnamese way
    api          /api/search, /api/articles/<id>[/related], /api/suggest, /api/sectors,
                 /api/topics, /api/openapi.json, /health      (JSON)
    staff        /searches and its JSON twin /api/searches, behind a login (/login,
                 /logout, with CSRF tokens) or the staff token
    writes       POST /api/articles, PUT and DELETE /api/articles/<id>  (bearer token)
      openapi    the OpenAPI 3.1 document of the API
    errors       every error to one JSON shape or a Vietnamese page
    security     headers, CORS for configured origins, request size, trusted proxies
    access_log   gunicorn's access log: paths without what readers typed
    serve        `search-service serve`: samples into an empty index, then gunicorn
    gunicorn_conf  gunicorn's settings (`gunicorn -c python:search_service.web.gunicorn_conf`)
    deploy       `search-service deploy systemd|nginx`: the production configuration

Templates and static files are in the top-level `templates/` of a checkout; an installed
package carries them as `search_service/web/templates` (setup.cfg maps that package to
the top-level folder), so both are looked for.
"""

from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import (
    api,
    errors,
    formatting,
    links,
    pages,
    resources,
    security,
    settings,
    staff,
    writes,
)

_HERE = Path(__file__).resolve().parent


class _JSON(DefaultJSONProvider):
    # Vietnamese stays readable in JSON, and fields keep the order of the result object.
    ensure_ascii = False
    sort_keys = False


def templates_folder() -> Path:
    """The templates: installed beside this module, or at the top of the checkout."""
    for candidate in (_HERE / "templates", _HERE.parents[1] / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise RuntimeError(f"no templates in {_HERE / 'templates'} nor {_HERE.parents[1]}")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The Flask app, configured by `settings`; nothing is opened until a request."""
    folder = templates_folder()
    app = Flask(__name__, template_folder=folder, static_folder=folder / "static")
    app.config.from_mapping(settings.load(test_config))
    # Flask turns debug mode on from a FLASK_DEBUG left in the environment; only `--dev`
    # (Flask's own server) may have it, never gunicorn.
    app.debug = False
    app.json = _JSON(app)
    if app.config["PROXY_HOPS"]:
        # Flask's way to wrap its app in a middleware, which mypy cannot tell from
        # overriding a method.
        app.wsgi_app = security.TrustedProxies(  # type: ignore[method-assign]
            app.wsgi_app, app.config["PROXY_HOPS"], app.config["TRUSTED_PROXIES"]
        )
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.lstrip_blocks = True
    app.url_map.converters["article_id"] = links.ArticleId
    # An id may hold `//`; werkzeug would merge it and redirect to another address, built
    # from what the client sent. Unknown addresses are a 404, never a redirect.
    app.url_map.merge_slashes = False
    resources.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    staff.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(writes.bp)
    return app
