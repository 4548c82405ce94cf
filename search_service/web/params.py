"""Reading request parameters: as the library reads them, and the few it does not read."""

from flask import current_app, request

from ..errors import BadQuery
from ..search.types import parse_number

STATS_DAYS = 7


def search_params() -> dict[str, list[str]]:
    """The query string, each parameter a list of strings, as `SearchRequest` reads it."""
    return request.args.to_dict(flat=False)


def whole_number(name: str, default: int, most: int) -> int:
    """The parameter `name` as a number from 1 to `most`; `default` when absent."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        number = parse_number(raw, name)
    except BadQuery:
        number = 0
    if not 1 <= number <= most:
        raise BadQuery(f"{name} must be a whole number from 1 to {most}")
    return number


def stats_days() -> int:
    """The `days` of the search statistics: 1 up to the days the log keeps."""
    kept = current_app.config["SEARCH_LOG_DAYS"]
    return whole_number("days", min(STATS_DAYS, kept), kept)


def one_of(name: str, choices: tuple[str, ...]) -> str:
    """The parameter `name`, one of `choices` (the first when absent)."""
    value = request.args.get(name, "").strip() or choices[0]
    if value not in choices:
        raise BadQuery(f"{name} must be one of {', '.join(choices)}")
    return value
