"""The web app's settings: one table of names, defaults and help.

A setting's value comes from its declared default, then from the environment variable
`SEARCH_SERVICE_<NAME>`, then from a test's dict, in that order. The README's configuration
table is this table.
"""

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import BadSetting
from ..index import store
from ..ingest import write_queue

PREFIX = "SEARCH_SERVICE_"


def _origins(value: str) -> tuple[str, ...]:
    return tuple(origin.rstrip("/") for origin in value.replace(",", " ").split())


def _size(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or more")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not 0 < number <= 60:
        raise ValueError("must be more than 0 and at most 60 seconds")
    return number


# RFC 6750's token characters, and enough of them that guessing is hopeless.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]{16,}=*")


def _token(value: str) -> str:
    if value and not _TOKEN.fullmatch(value):
        raise ValueError(
            "must be at least 16 letters, digits or -._~+/ "
            "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return value


def _switch(value: str) -> bool:
    words = {"on": True, "yes": True, "true": True, "1": True}
    words |= {"off": False, "no": False, "false": False, "0": False}
    try:
        return words[value.lower()]
    except KeyError:
        raise ValueError("must be on or off") from None


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(value.replace(",", " ").split())


def _public_url(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError("must be the service's address, e.g. https://tim-kiem.example.vn/")
    return value if value.endswith("/") else value + "/"


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its name (without the prefix), default, help and how to read it."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    # A secret's value is never repeated in an error message: it would land in a log.
    secret: bool = False


SETTINGS = (
    Setting("INDEX", str(store.DEFAULT_INDEX), "the index folder the service reads"),
    Setting("BIND", "127.0.0.1:8000", "where gunicorn listens (HOST:PORT)"),
    Setting(
        "PUBLIC_URL",
        "",
        "the address readers open, e.g. https://tim-kiem.example.vn/, for the absolute URLs "
        "of /opensearch.xml (never taken from the request's Host); empty: http://<BIND>/",
        _public_url,
    ),
    Setting("PAGE_SIZE", 10, "results per page on the search page", _size),
    Setting(
        "CORS_ORIGINS",
        (),
        "origins (space or comma separated) whose pages may call the JSON API, "
        "e.g. the public site that embeds the search box",
        _origins,
    ),
    Setting(
        "SEARCH_LOG",
        "",
        "SQLite file of search counts (query, day, results; nothing about the reader); "
        "empty: `<index>.searches.sqlite3` beside the index; `off`: keep none",
    ),
    Setting("SEARCH_LOG_DAYS", 30, "days of search counts kept", _size),
    Setting(
        "SEARCH_LOG_MIN_VISITORS",
        3,
        "a query is shown in the statistics once this many different readers searched it "
        "on one day, so that no single reader's typing is ever shown",
        _size,
    ),
    Setting(
        "SEARCH_LOG_CLIENT_QUERIES",
        30,
        "new queries one reader (one address) may add to a day's counts; more are not "
        "recorded, so that no client can use up SEARCH_LOG_MAX_QUERIES",
        _size,
    ),
    Setting(
        "SEARCH_LOG_MAX_QUERIES",
        5000,
        "distinct queries counted a day; more are not recorded (bounds the file)",
        _size,
    ),
    Setting("CSV_MAX_ROWS", 10_000, "rows of a CSV export at most", _size),
    Setting(
        "MAX_REQUEST_BYTES",
        8000,
        "larger bodies or query strings get 413 (below gunicorn's 8190-byte request line, "
        "so that the app answers in its error shape)",
        _size,
    ),
    Setting(
        "PROXY_HOPS",
        0,
        "reverse proxies in front of the service whose X-Forwarded-For (the reader's "
        "address) and X-Forwarded-Proto are trusted, when the request comes from one of "
        "TRUSTED_PROXIES",
        _count,
    ),
    Setting(
        "TRUSTED_PROXIES",
        ("127.0.0.1", "::1"),
        "addresses (space or comma separated) of the reverse proxies whose X-Forwarded-* "
        "headers are believed; any other client's are ignored",
        _addresses,
    ),
    Setting(
        "ACCESS_LOG_QUERIES",
        False,
        "on: the access log keeps the query strings of requests (search parameters only, "
        "other values replaced by -); off: only their paths",
        _switch,
    ),
    Setting(
        "WARM_SECONDS",
        30,
        "seconds gunicorn's arbiter spends reading the most frequent postings before its "
        "workers start, which share them (0: only lengths, columns and statistics)",
        _count,
    ),
    Setting(
        "STAFF_TOKEN",
        "",
        "the staff password of the search statistics (/searches, /api/searches): at least "
        "16 letters, digits or -._~+/; empty: the statistics are shown to nobody",
        _token,
        secret=True,
    ),
    Setting("SITE_NAME", "Tra cứu tin bài", "the name shown on the pages and to browsers"),
    Setting(
        "WRITE_TOKEN",
        "",
        "the bearer token of the write API (POST, PUT, DELETE /api/articles); empty: the "
        "write API is off",
        _token,
        secret=True,
    ),
    Setting(
        "MAX_WRITE_BYTES",
        16 * 2**20,
        "larger bodies of the write API get 413 (its own limit: articles are long)",
        _size,
    ),
    Setting("MAX_WRITE_ARTICLES", 1000, "articles in one write at most (more: 413)", _size),
    Setting(
        "WRITE_WAIT",
        10.0,
        "seconds a write waits to be applied; then it answers 202 and stays queued",
        _seconds,
    ),
    Setting(
        "WRITE_QUEUE_MAX",
        write_queue.MAX_PENDING,
        "operations waiting to be applied at most; more writes get 503 with Retry-After",
        _size,
    ),
)


def load(test_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings: declared defaults, then the environment, then `test_config`; raises
    BadSetting, naming the variable (and a secret's length, never its value)."""
    values = {}
    for setting in SETTINGS:
        value = setting.default
        raw = os.environ.get(PREFIX + setting.name)
        if raw is not None and raw.strip():
            try:
                value = setting.parse(raw.strip())
            except ValueError as error:
                given = f"(not shown, {len(raw)} characters)" if setting.secret else repr(raw)
                raise BadSetting(f"{PREFIX}{setting.name}={given}: {error}") from None
        values[setting.name] = value
    values.update(test_config or {})
    return values
