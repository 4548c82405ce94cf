"""What a search takes and gives: the request, the result with its hits and facet values,
and the marks that highlighting puts in titles and snippets.

Plain objects, no Whoosh types: the CLI, the JSON API, the pages and the CSV export render
the same result, and another engine could serve the same API behind them. `SearchRequest`
checks what a reader may ask for, and `from_params` reads it from what a user typed.
"""

import dataclasses
import datetime
import re
from collections.abc import Mapping

from ..errors import BadQuery
from ..text import dates
from ..text.normalize import normalize_line
from . import query

SORTS = ("relevance", "newest", "oldest")
MAX_LIMIT = 100
MAX_DEPTH = 10_000  # page × limit: deeper pages are refused, not computed
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# A hit's tier: a precise match of the query as read, or the labelled fallback.
PRECISE, FALLBACK = "precise", "fallback"


@dataclasses.dataclass(frozen=True)
class SearchRequest:
    """What a reader asks for. Build it with `from_params` from strings a user typed."""

    q: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sectors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    related_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    limit: int = 10
    as_you_type: bool = False
    # Articles left out (library use: a benchmark leaves out the article a query came from).
    exclude: tuple[str, ...] = ()
    explain: bool = False

    def __post_init__(self):
        if len(self.q) > query.MAX_QUERY_LENGTH:
            raise BadQuery(
                f"q is longer than {query.MAX_QUERY_LENGTH} characters: shorten the query"
            )
        if self.sort not in SORTS:
            raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
        if self.page < 1:
            raise BadQuery("page must be 1 or more")
        if self.page * self.limit > MAX_DEPTH:
            raise BadQuery(f"page × limit must be at most {MAX_DEPTH}: narrow the search")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadQuery("the start date is after the end date")

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]]) -> "SearchRequest":
        """Read request parameters (`q`, `from`, `to`, `sector`, `topic`, `related_to`,
        `sort`, `page`, `limit`), each a list of strings as a query string gives them."""

        def one(name: str, default: str = "") -> str:
            values = params.get(name) or [default]
            return values[-1].strip()

        return cls(
            q=one("q"),
            date_from=_day(one("from"), "from"),
            date_to=_day(one("to"), "to"),
            sectors=_several(params.get("sector")),
            topics=_several(params.get("topic")),
            related_to=normalize_line(one("related_to")) or None,
            sort=one("sort", "relevance") or "relevance",
            page=parse_number(one("page", "1"), "page"),
            limit=parse_number(one("limit", "10"), "limit"),
            explain=_flag(one("explain"), "explain"),
        )


@dataclasses.dataclass(frozen=True)
class Marks:
    """What to mark in a matching article: syllables by exact form or by folded form, and
    phrases (syllables in order), folded or exact."""

    exact: frozenset[str] = frozenset()
    folded: frozenset[str] = frozenset()
    phrases: frozenset[tuple[str, ...]] = frozenset()
    exact_phrases: frozenset[tuple[str, ...]] = frozenset()


@dataclasses.dataclass(frozen=True)
class Hit:
    """One article found. `title` and `snippet` are HTML: escaped, matches in `<mark>`."""

    id: str
    title: str
    url: str | None
    date: str | None
    sector: str | None
    topics: list[str]
    topics_derived: bool
    score: float | None
    snippet: str
    tier: str = PRECISE  # `fallback`: a looser match, shown after the precise ones
    explain: dict | None = None  # the score's parts, when asked for


@dataclasses.dataclass(frozen=True)
class FacetValue:
    """One value of a facet, how many matching articles have it, and whether it is chosen."""

    value: str
    count: int
    selected: bool


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """A page of hits, the number of matches, facet counts and a suggested correction."""

    query: str
    total: int
    page: int
    limit: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None
    reading: str | None = None  # the query as searched, when it was read differently
    missing: list[str] = dataclasses.field(default_factory=list)  # words no article holds

    def to_dict(self) -> dict:
        """The JSON shape of the result (documented in the README); a copy, since results
        are cached and shared. Written out: `dataclasses.asdict` deep-copies every value
        and cost a millisecond a request, more than the JSON encoding."""
        return {
            **vars(self),
            "missing": list(self.missing),
            "hits": [{**vars(hit), "topics": list(hit.topics)} for hit in self.hits],
            "facets": {
                name: [dict(vars(value)) for value in values]
                for name, values in self.facets.items()
            },
        }


def _flag(value: str, name: str) -> bool:
    if value.lower() in ("", "0", "false", "no"):
        return False
    if value.lower() in ("1", "true", "yes"):
        return True
    raise BadQuery(f"{name} must be 1 or 0")


def _day(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    try:
        parsed = dates.parse_date(value)
    except ValueError as error:
        raise BadQuery(f"{name}: {error}") from None
    return parsed.date() if isinstance(parsed, datetime.datetime) else parsed


def parse_number(value: str, name: str) -> int:
    """A parameter typed as a whole number: ASCII digits, perhaps a minus (`int()` would
    also take `1_000`, ` +3` and Arabic-Indic digits). Its range is for the caller to check."""
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadQuery(f"{name} must be a whole number, not {value[:20]!r}")
    digits = value.lstrip("-").lstrip("0") or "0"
    # Past this many digits a number is out of every range; int() would refuse past 4,300.
    number = int(digits) if len(digits) <= 18 else 10**18
    return -number if value.startswith("-") else number


def _several(values: list[str] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values or ():
        # As the index stores them: NFC, and nothing a terminal or URL can smuggle in (a
        # lone surrogate from undecodable command-line bytes cannot be encoded to look up).
        value = normalize_line(value)
        if value:
            seen.setdefault(value, None)
    return tuple(seen)
