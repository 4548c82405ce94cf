"""What a reader typed, as a structure: words, phrases, exclusions, alternatives, fields.

The syntax people know from web search: `"a phrase"`, `-excluded`, `-"excluded phrase"`,
`a OR b`, `title:word`, `author:"Lâm An"` (also `tieude:`, `tacgia:`). `AND` and parentheses
are accepted and mean nothing more than the default (all words). Nothing here ever fails:
an unbalanced quote, a dangling `OR`, `AND OR (`, lone symbols or two thousand characters
of noise are read as plain words, and whatever holds no letter or digit is dropped.

A query is at most `MAX_QUERY_LENGTH` characters (`SearchRequest` refuses a longer one; the
parser reads no further), and at most `MAX_CLAUSES` of its words and phrases are searched:
past that, a query is pasted text, and more terms only cost time.
"""

import dataclasses
import re

from ..text.normalize import normalize_line
from ..text.syllables import LETTER

MAX_QUERY_LENGTH = 2000
MAX_CLAUSES = 16

FIELD_NAMES = {
    "title": "title",
    "tieude": "title",
    "tiêuđề": "title",
    "author": "author",
    "tacgia": "author",
    "tácgiả": "author",
}
_HAS_TEXT = re.compile(LETTER)
_TOKEN = re.compile(r'(-?)(?:([^\W\d_]+):)?(?:"([^"]*)"|(\S+))')


@dataclasses.dataclass(frozen=True)
class Clause:
    """One word or phrase of a query, as typed (normalized), and how it applies."""

    text: str
    phrase: bool = False
    field: str | None = None
    negated: bool = False


@dataclasses.dataclass(frozen=True)
class ParsedQuery:
    """A query: every group must match (or, if negated, must not); a group is alternatives."""

    groups: tuple[tuple[Clause, ...], ...]

    @property
    def positive(self) -> list[tuple[Clause, ...]]:
        """The groups an article must match."""
        return [g for g in self.groups if not g[0].negated]

    @property
    def negative(self) -> list[Clause]:
        """The clauses an article must not match."""
        return [g[0] for g in self.groups if g[0].negated]

    @property
    def is_empty(self) -> bool:
        """Whether nothing is left to search for."""
        return not self.positive


def parse(text: str) -> ParsedQuery:
    """Parse a query string; never raises."""
    text = normalize_line(text[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH]
    if text.count('"') % 2:
        # An unbalanced quote quotes nothing: drop the last one.
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    text = text.replace("(", " ").replace(")", " ")
    groups: list[list[Clause]] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        minus, prefix, quoted, bare = match.groups()
        if bare in ("OR", "|", "||") and not minus and not prefix:
            join_next = bool(groups)
            continue
        if bare in ("AND", "&&", "+") and not minus and not prefix:
            continue
        field = FIELD_NAMES.get(prefix.lower()) if prefix else None
        body = quoted if quoted is not None else bare
        if prefix and field is None:
            body = f"{prefix}:{body}"  # not a field we know: the colon is just text
        if not body or not _HAS_TEXT.search(body):
            continue
        clause = Clause(body.strip(), phrase=quoted is not None, field=field, negated=bool(minus))
        if join_next and not clause.negated and not groups[-1][0].negated:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        join_next = False
    return ParsedQuery(tuple(tuple(g) for g in groups[:MAX_CLAUSES]))
