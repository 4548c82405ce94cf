"""Response headers that limit what a page can do, CORS for the configured origins only,
and the checks every request passes first: its size (the write API's bodies have their own
limit, see `writes`), and a query string that is UTF-8.

The pages run no inline script or style, so the Content-Security-Policy allows only this
origin's files. The JSON API answers cross-origin requests only from `CORS_ORIGINS` (the
public site that embeds the search box); any other origin gets no CORS header, so the
browser keeps the response from its page.
"""

from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from ..errors import BadQuery

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
CORS_PATHS = ("/api/", "/opensearch.xml")
CORS_MAX_AGE = "86400"


def init_app(app: Flask) -> None:
    """Register the size check and the headers."""
    allowed = frozenset(app.config["CORS_ORIGINS"])
    limit = app.config["MAX_REQUEST_BYTES"]
    app.config["MAX_CONTENT_LENGTH"] = limit

    @app.before_request
    def refuse_oversized():
        # Flask checks the body's declared length only when the body is read; a search is a
        # GET whose size is its query string. Articles are larger: the write API checks its
        # bodies itself, after the token, against its own limit.
        body = 0 if request.blueprint == "writes" else request.content_length or 0
        if len(request.query_string) > limit or body > limit:
            abort(413, f"the request is larger than {limit} bytes")

    @app.before_request
    def refuse_undecodable():
        # Werkzeug keeps bytes that are not UTF-8 as literal `%ED%A0%80` text, which would
        # then be searched for; a reader's browser never sends them, so say what is wrong.
        try:
            unquote_to_bytes(request.query_string).decode("utf-8")
        except UnicodeDecodeError:
            raise BadQuery("the query string is not UTF-8 text") from None

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        origin = request.headers.get("Origin")
        if origin and request.path.startswith(CORS_PATHS):
            response.vary.add("Origin")
            if origin.rstrip("/") in allowed:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Methods"] = "GET"
                response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
        return response


class TrustedProxies:
    """The reader's address and scheme from X-Forwarded-For and X-Forwarded-Proto, for
    requests that come from a trusted proxy only: any other client could claim any address
    in them (and so count as many readers in the search statistics). The Host is never
    taken from the request: absolute URLs come from PUBLIC_URL."""

    def __init__(self, app, hops: int, proxies: tuple[str, ...]):
        self.direct = app
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops, x_host=0)
        self.proxies = frozenset(proxies)

    def __call__(self, environ, start_response):
        trusted = environ.get("REMOTE_ADDR") in self.proxies
        return (self.proxied if trusted else self.direct)(environ, start_response)
