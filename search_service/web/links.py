"""The URLs of a search page's states: facets, sort orders, pages, corrections, exports.

Every state of a search is in its URL. This module turns the current parameters and a
`SearchResult` into values that carry their own URLs (as Datasette's facets do), so that
templates build no URLs and the HTML page and its JSON twin share one set of parameters.
"""

import dataclasses
import math
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from werkzeug.routing import PathConverter

from ..search.types import MAX_DEPTH, SearchResult

PARAMETERS = ("q", "from", "to", "sector", "topic", "related_to", "sort", "page", "limit")
REPEATABLE = ("sector", "topic")
# Values that are the default are left out, so that URLs stay short and comparable.
_DEFAULTS = {"sort": "relevance", "page": "1"}
SORT_LABELS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}
PAGES_AROUND = 2


class ArticleId(PathConverter):
    """An article id in a URL (`/articles/<article_id:article_id>`): any text, slashes too.

    Built with every `/` (and `\\`) percent-encoded, so that the id is one path segment in
    the reader's browser: an id such as `../../api/search` cannot make its link point
    elsewhere. The server decodes `%2F` before routing, so the route still matches it.
    """

    def to_url(self, value) -> str:
        return quote(str(value), safe="!$&'()*+,:;=@")


@dataclasses.dataclass(frozen=True)
class Choice:
    """A facet value or an option, with the URL that selects or unselects it."""

    value: str
    label: str
    count: int | None
    selected: bool
    url: str


@dataclasses.dataclass(frozen=True)
class PageLink:
    """A link of the pagination; `number` None is a gap (…)."""

    number: int | None
    url: str | None
    current: bool = False


@dataclasses.dataclass(frozen=True)
class SearchLinks:
    """Everything on a search page that is a link."""

    sectors: list[Choice]
    topics: list[Choice]
    years: list[Choice]
    sorts: list[Choice]
    pages: list[PageLink]
    previous: str | None
    next: str | None
    suggestion: str | None
    clear_filters: str | None
    csv: str
    json: str


class Params:
    """The search parameters of a request, as (name, values) that can be varied."""

    def __init__(self, args: Mapping[str, list[str]]):
        self.values: dict[str, list[str]] = {}
        for name in PARAMETERS:
            kept = [v.strip() for v in args.get(name, []) if v.strip()]
            if name not in REPEATABLE:
                kept = kept[-1:]
            if kept and not (name in _DEFAULTS and kept == [_DEFAULTS[name]]):
                self.values[name] = kept

    def url(self, base: str, **changes: Iterable[str] | str | None) -> str:
        """`base` with these parameters, `changes` applied (None removes one)."""
        values = dict(self.values)
        for name, change in changes.items():
            name = name.rstrip("_")
            if change is None or change == _DEFAULTS.get(name):
                values.pop(name, None)
            else:
                values[name] = [change] if isinstance(change, str) else list(change)
        pairs = [(name, value) for name in PARAMETERS for value in values.get(name, [])]
        return base + ("?" + urlencode(pairs) if pairs else "")

    def one(self, name: str) -> str:
        return (self.values.get(name) or [""])[-1]

    def toggled(self, name: str, value: str) -> list[str]:
        chosen = self.values.get(name, [])
        return [v for v in chosen if v != value] if value in chosen else [*chosen, value]

    @property
    def has_filters(self) -> bool:
        return any(name in self.values for name in ("from", "to", "sector", "topic"))


def search_links(
    result: SearchResult, params: Params, base: str, csv: str, api: str
) -> SearchLinks:
    """The links of the page of `result`; `base`, `csv` and `api` are the endpoints' paths."""

    def facet(name: str) -> list[Choice]:
        return [
            Choice(
                f.value,
                f.value,
                f.count,
                f.selected,
                params.url(base, page=None, **{name: params.toggled(name, f.value)}),
            )
            for f in result.facets[name + "s"]
        ]

    last = max(1, math.ceil(min(result.total, MAX_DEPTH) / result.limit))
    current = result.page
    return SearchLinks(
        sectors=facet("sector"),
        topics=facet("topic"),
        years=_years(result, params, base),
        sorts=_sorts(params, base),
        pages=_pages(current, last, lambda n: params.url(base, page=str(n))),
        previous=params.url(base, page=str(current - 1)) if current > 1 else None,
        next=params.url(base, page=str(current + 1)) if current < last else None,
        suggestion=(
            params.url(base, q=result.suggestion, page=None) if result.suggestion else None
        ),
        clear_filters=(
            params.url(base, from_=None, to=None, sector=None, topic=None, page=None)
            if params.has_filters
            else None
        ),
        csv=params.url(csv, page=None, limit=None),
        json=params.url(api),
    )


def _sorts(params: Params, base: str) -> list[Choice]:
    """The orders; without words to rank by, relevance means nothing: newest first."""
    ranked = bool(params.one("q"))
    chosen = params.one("sort") or ("relevance" if ranked else "newest")
    return [
        Choice(s, label, None, s == chosen, params.url(base, sort=s, page=None))
        for s, label in SORT_LABELS.items()
        if ranked or s != "relevance"
    ]


def _years(result: SearchResult, params: Params, base: str) -> list[Choice]:
    """Years as date ranges: choosing 2021 sets from 2021-01-01 to 2021-12-31."""
    choices = []
    for f in sorted(result.facets["years"], key=lambda f: f.value, reverse=True):
        start, end = f"{f.value}-01-01", f"{f.value}-12-31"
        selected = params.one("from") == start and params.one("to") == end
        url = (
            params.url(base, from_=None, to=None, page=None)
            if selected
            else params.url(base, from_=start, to=end, page=None)
        )
        choices.append(Choice(f.value, f.value, f.count, selected, url))
    return choices


def _pages(current: int, last: int, url) -> list[PageLink]:
    """1 … 4 5 [6] 7 8 … 20"""
    shown = {1, last, *range(current - PAGES_AROUND, current + PAGES_AROUND + 1)}
    links: list[PageLink] = []
    for number in sorted(n for n in shown if 1 <= n <= last):
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(number, url(number), number == current))
    return links if last > 1 else []
