"""The service's app with two routes that fail as a bug would (an exception nobody
handles), so that tests can see what a reader gets from gunicorn when the code breaks."""

from flask import Flask

from search_service import web

SECRET = "secret internals: password=hunter2"


def create_app() -> Flask:
    """The real app, configured from the environment, plus /broken and /api/broken."""
    app = web.create_app()

    def broken():
        raise RuntimeError(SECRET)

    app.add_url_rule("/broken", "broken_page", broken)
    app.add_url_rule("/api/broken", "broken_api", broken)
    return app
