"""Dates as Vietnamese users and records write them: day first, always.

`parse_date` is strict, for a value that must be a date (a record field, a query parameter).
`find_date` looks for the first date in running text (`Chiều ngày 06/10/2021, ...`).
"""

import datetime
import re
import unicodedata

MIN_YEAR = 1900
MAX_YEAR = 2100

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# ISO 8601 date-time as sites publish it; `fromisoformat` checks the fields after this match.
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")

# In running text: day first, or ISO (year first, unambiguous), or spelled out with words.
# The lookarounds keep parts of longer number runs and document codes (`01/10/2021/QĐ-UBND`)
# out; `Quý 3/2021` and `tháng 10/2021` have no day and never match.
_IN_TEXT = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\w|[/.-]\w)"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?!\d|[/.-]\w)"
    r"|ngày\s+(?P<wd>\d{1,2})\s+tháng\s+(?P<wm>\d{1,2}),?\s+năm\s+(?P<wy>\d{4})(?!\d)"
    r")",
    re.IGNORECASE,
)

_EXPECTED = "expected YYYY-MM-DD, an ISO 8601 date-time, or day first as DD/MM/YYYY"


def parse_date(value: str) -> datetime.date | datetime.datetime:
    """Parse a date or ISO date-time strictly; raise ValueError with the reason."""
    if not isinstance(value, str):
        raise ValueError(f"a date must be a string, not {type(value).__name__}")
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in text.split("-"))
        return _make_date(year, month, day, value)
    if _ISO_DATETIME.fullmatch(text):
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"impossible date-time {value!r}") from None
        _check_year(moment.year, value)
        return moment
    match = _DAY_FIRST.fullmatch(text)
    if match:
        day_text, _, month_text, year_text = match.groups()
        return _make_date(int(year_text), int(month_text), int(day_text), value)
    raise ValueError(f"not a date: {value!r}; {_EXPECTED}")


def find_date(text: str) -> datetime.date | None:
    """Return the first possible date written in Vietnamese running text, or None."""
    # Text may arrive decomposed (NFD); the words `ngày`, `tháng`, `năm` must still match.
    text = unicodedata.normalize("NFC", text)
    for match in _IN_TEXT.finditer(text):
        if match["d"]:
            parts = match["y"], match["m"], match["d"]
        elif match["iy"]:
            parts = match["iy"], match["im"], match["id"]
        else:
            parts = match["wy"], match["wm"], match["wd"]
        try:
            year, month, day = (int(part) for part in parts)
            return _make_date(year, month, day, match[0])
        except ValueError:
            continue  # an impossible date is a typo or not a date: keep looking
    return None


def _make_date(year: int, month: int, day: int, value: str) -> datetime.date:
    _check_year(year, value)
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"impossible date {value!r}: {error}") from None


def _check_year(year: int, value: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} in {value!r} is outside {MIN_YEAR}..{MAX_YEAR}")
