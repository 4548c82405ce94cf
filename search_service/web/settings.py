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

from .. import store, write_queue

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


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its name (without the prefix), default, help and how to read it."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS = (
    Setting("INDEX", str(store.DEFAULT_INDEX), "the index folder the service reads"),
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
        "reverse proxies in front of the service whose X-Forwarded-Proto and "
        "X-Forwarded-Host are trusted (for the absolute URLs of /opensearch.xml)",
        _count,
    ),
    Setting(
        "WARM_SECONDS",
        30,
        "seconds gunicorn's arbiter spends reading the most frequent postings before its "
        "workers start, which share them (0: only lengths, columns and statistics)",
        _count,
    ),
    Setting("SITE_NAME", "Tra cứu tin bài", "the name shown on the pages and to browsers"),
    Setting(
        "WRITE_TOKEN",
        "",
        "the bearer token of the write API (POST, PUT, DELETE /api/articles); empty: the "
        "write API is off",
        _token,
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
    """The settings: declared defaults, then the environment, then `test_config`."""
    values = {}
    for setting in SETTINGS:
        value = setting.default
        raw = os.environ.get(PREFIX + setting.name)
        if raw is not None and raw.strip():
            try:
                value = setting.parse(raw.strip())
            except ValueError as error:
                raise ValueError(f"{PREFIX}{setting.name}={raw!r}: {error}") from None
        values[setting.name] = value
    values.update(test_config or {})
    return values
