"""gunicorn's access log, without what readers typed: each line has the request's path, not
its query string, unless SEARCH_SERVICE_ACCESS_LOG_QUERIES is on; even then only the search
parameters keep their values, so a token sent in a URL (which the write API refuses) is
never written down.

`gunicorn_conf` names `AccessLog` as its logger class.
"""

from urllib.parse import parse_qsl, urlencode

from gunicorn.glogging import Logger

from . import settings

# The parameters of the pages and the API (see params and the README); any other value
# is replaced by "-" in the log.
SEARCH_PARAMETERS = frozenset(
    {"q", "from", "to", "sector", "topic", "sort", "page", "limit", "format", "days"}
    | {"related_to"}
)


def logged_target(target: str, with_queries: bool) -> str:
    """The request target as the access log writes it: its path, and with `with_queries`
    the search parameters of its query string (other values replaced by -)."""
    path, _, query = target.partition("?")
    if not with_queries or not query:
        return path
    pairs = [
        (name, value if name in SEARCH_PARAMETERS else "-")
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs)}" if pairs else path


class AccessLog(Logger):
    """gunicorn's logger, with the request line and query string of `logged_target`."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.with_queries = settings.load()["ACCESS_LOG_QUERIES"]

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        target = logged_target(environ.get("RAW_URI") or "", self.with_queries)
        atoms["r"] = f"{atoms['m']} {target} {atoms['H']}"
        atoms["q"] = target.partition("?")[2]
        return atoms
