"""Whoosh analyzers for Vietnamese text.

The pipeline, in Whoosh's tokenizer/filter contract::

    SyllableTokenizer(compounds=True)  ->  LowercaseFilter  ->  FoldFilter    (syllables)
    SyllableTokenizer(segment=True)  ->  WordFilter  ->  FoldFilter(keep_exact=False)  (words)
    SyllableTokenizer(compounds=False)  ->  LowercaseFilter  ->  PairFilter        (pairs)

* `SyllableTokenizer` yields every run of letters and digits with its true offsets. Nothing
  is dropped: Vietnamese has meaningful one-letter syllables (`y`, `ô`) and its function
  words (`an`, `ban`) are English stopwords. After the parts of a document code or a date it
  adds the whole as typed (`10-CT/TW`, `06/10/2021`, `Covid-19`) at the position of its
  first part. Each token records whether a pyvi word JOINER tied it to the one before.
* `WordFilter` keeps only pyvi's multi-syllable words (`hội_nghị`); the text is segmented
  on the fly unless it arrives already marked by `segmentation.segment` (the indexer segments
  in worker processes and hands the marked text over).
* `PairFilter` joins each syllable to the next (`hội nghị`), marks kept, behind its
  folded form (`hoi nghi|hội nghị`): a pair is found exactly, and the readings of a pair
  typed without marks are the terms under its folded prefix, with their frequencies. Pairs
  say which reading of a query typed without marks the articles use, and rank articles
  where the query's syllables stand together.
* `FoldFilter` adds the folded form (`dong`, `10-ct/tw`) at the same position when it
  differs, so text typed without marks finds every reading and text typed with them can
  still tell the exact form apart. Words are kept folded only (`hoi_nghi`).

These classes are pickled into the index: their import paths are part of the on-disk
format (see `schema.SCHEMA_VERSION`). Indexes built before the package layout name them
`search_service.analysis`, which re-exports them.
"""

from collections.abc import Iterable, Iterator

from whoosh.analysis import Filter, LowercaseFilter, Token, Tokenizer

from ..text.normalize import fold
from ..text.segmentation import JOINER, segment
from ..text.syllables import SYLLABLE

# Punctuation that binds the parts of a code or a number when nothing else stands between.
_CODE_GLUE = frozenset("-/&")
_NUMBER_GLUE = frozenset(".,")
WORD_SEPARATOR = "_"
PAIR_SEPARATOR = "|"


def pair_term(first: str, second: str) -> str:
    """The term of two adjacent lowercase syllables in a pair field: folded, then exact."""
    exact = f"{first} {second}"
    return f"{fold(exact)}{PAIR_SEPARATOR}{exact}"


def pair_prefix(first: str, second: str) -> str:
    """The prefix every reading of two syllables shares in a pair field (`hoi nghi|`)."""
    return f"{fold(first)} {fold(second)}{PAIR_SEPARATOR}"


def pair_reading(term: str) -> tuple[str, str]:
    """The two exact syllables of a pair term."""
    first, _, second = term.partition(PAIR_SEPARATOR)[2].partition(" ")
    return first, second


class SyllableTokenizer(Tokenizer):
    """Yields runs of letters and digits with their offsets, and codes typed as one piece."""

    def __init__(self, compounds: bool = True, segment: bool = False):
        self.compounds = compounds
        self.segment = segment

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        if self.segment and JOINER not in value:
            value = segment(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pieces = _pieces(value)
        if self.compounds:
            pieces = _with_codes(value, pieces)
        for text, position, start, end, in_word in pieces:
            yield _set(
                token,
                text,
                start_pos + position,
                start_char + start,
                start_char + end,
                in_word,
                keeporiginal,
            )


# A piece of text as the analyzers read it: (text, position, start, end, in_word), where
# `in_word` says that a pyvi JOINER ties it to the piece before.
Piece = tuple[str, int, int, int, bool]


def _pieces(value: str) -> Iterator[Piece]:
    """Every run of letters and digits of `value`, as a Piece."""
    previous_end = -2
    for position, match in enumerate(SYLLABLE.finditer(value)):
        start, end = match.span()
        in_word = start == previous_end + 1 and value[previous_end] == JOINER
        yield match.group(), position, start, end, in_word
        previous_end = end


def _with_codes(value: str, pieces: Iterable[Piece]) -> Iterator[Piece]:
    """`pieces`, and after the parts of a code or a number, the whole as typed
    (`10-CT/TW`, `06/10/2021`, `1.000`) at the position of its first part."""
    previous_end, previous_text = -2, ""
    # The first part of the code being read, and how many parts it has so far.
    first, parts = (0, 0), 0
    for piece in pieces:
        text, position, start, end, _ = piece
        glue = value[previous_end] if start == previous_end + 1 else " "
        glued = glue in _CODE_GLUE or (
            glue in _NUMBER_GLUE and previous_text.isdigit() and text.isdigit()
        )
        if not glued:
            if parts > 1:
                yield value[first[1] : previous_end], first[0], first[1], previous_end, False
            first, parts = (position, start), 0
        parts += 1
        yield piece
        previous_end, previous_text = end, text
    if parts > 1:
        yield value[first[1] : previous_end], first[0], first[1], previous_end, False


def _words(pieces: Iterable[Piece]) -> Iterator[tuple[str, int, int, int]]:
    """pyvi's multi-syllable words among `pieces` (no codes), their syllables joined by `_`,
    as (text, position, start, end)."""
    parts: list[str] = []
    first, last_end = (0, 0), 0
    for text, position, start, end, in_word in pieces:
        if not in_word:
            if len(parts) > 1:
                yield WORD_SEPARATOR.join(parts), first[0], first[1], last_end
            parts, first = [], (position, start)
        parts.append(text)
        last_end = end
    if len(parts) > 1:
        yield WORD_SEPARATOR.join(parts), first[0], first[1], last_end


def _set(
    token: Token,
    text: str,
    pos: int,
    startchar: int,
    endchar: int,
    in_word: bool,
    keeporiginal: bool,
) -> Token:
    token.text = text
    token.in_word = in_word
    token.stopped = False
    token.boost = 1.0
    if keeporiginal:
        token.original = text
    if token.positions:
        token.pos = pos
    if token.chars:
        token.startchar, token.endchar = startchar, endchar
    return token


class WordFilter(Filter):
    """Keeps only multi-syllable words, their syllables joined by `_` (`Hội_nghị`)."""

    def __call__(self, tokens):
        token = None

        def pieces():
            nonlocal token
            for token in tokens:
                yield (
                    token.text,
                    token.pos if token.positions else 0,
                    token.startchar if token.chars else 0,
                    token.endchar if token.chars else 0,
                    token.in_word,
                )

        for text, position, start, end in _words(pieces()):
            yield _set(token, text, position, start, end, False, False)


class PairFilter(Filter):
    """Each syllable joined to the next (`pair_term`), at the position of the first."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text, position = token.text, token.pos if token.positions else 0
            if previous is not None:
                token.text = pair_term(previous[0], text)
                if token.positions:
                    token.pos = previous[1]
                yield token
            previous = (text, position)


class FoldFilter(Filter):
    """After each token, adds its folded form at the same position when it differs.

    With `keep_exact=False` it yields only the folded form.
    """

    def __init__(self, keep_exact: bool = True):
        self.keep_exact = keep_exact

    def __eq__(self, other):
        return type(self) is type(other) and self.keep_exact == other.keep_exact

    def __call__(self, tokens):
        for token in tokens:
            folded = fold(token.text)
            if self.keep_exact:
                yield token
                if folded == token.text:
                    continue
            token.text = folded
            yield token


Terms = dict[str, list[int]]


def document_terms(marked: str) -> tuple[Terms, Terms, Terms]:
    """The terms of a text marked by `segmentation.segment`, with their positions, as the
    syllable, word and pair analyzers give them: in one pass and without Whoosh's tokens,
    for the indexer (a third of its analysis time). `tests/index/test_analysis.py` holds the
    ways equal."""
    syllables: Terms = {}
    words: Terms = {}
    pairs: Terms = {}
    pieces = list(_pieces(marked))
    previous = None
    for text, position, *_ in _with_codes(marked, pieces):
        lower = text.lower()
        syllables.setdefault(lower, []).append(position)
        folded = fold(lower)
        if folded != lower:
            syllables.setdefault(folded, []).append(position)
    for text, position, *_ in pieces:
        lower = text.lower()
        if previous is not None:
            pairs.setdefault(pair_term(previous, lower), []).append(position - 1)
        previous = lower
    for text, position, *_ in _words(pieces):
        words.setdefault(fold(text), []).append(position)
    return syllables, words, pairs


def syllable_analyzer():
    """Syllables and codes, exact and folded: the text fields' analyzer."""
    return SyllableTokenizer(compounds=True) | LowercaseFilter() | FoldFilter()


def pair_analyzer():
    """Adjacent syllables, exact behind folded: the pair fields' analyzer."""
    return SyllableTokenizer(compounds=False) | LowercaseFilter() | PairFilter()


def word_analyzer():
    """pyvi's multi-syllable words, folded: the word fields' analyzer.

    Words serve recall across segmentations and the ranking of adjacent syllables; whether
    the marks match is the syllable fields' business, so one folded form is enough here and
    halves the postings.
    """
    return SyllableTokenizer(compounds=False, segment=True) | WordFilter() | FoldFilter(False)
