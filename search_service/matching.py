"""From a parsed query to the Whoosh query that finds and ranks articles.

Every word of the query becomes a set of *forms* it may stand for, decided with the index's
vocabulary:

* typed with marks (`bán`): the exact form, boosted, and the folded form (`ban`), so exact
  matches rank above folded-only ones while every reading is still found;
* typed without marks (`ban`): the folded form, which matches every reading;
* typed as Telex or VNI keystrokes (`hooij`, `ho6i5`): the syllable they spell, when the
  index holds it and not the word as typed (so `covid` stays `covid`);
* missing a letter (`ngh`): the most frequent indexed words one edit away;
* an abbreviation (`UBND`) or its expansion (`Ủy ban nhân dân`): either one.

All words are required (each in the title or the body). Ranking adds, on top of each word's
BM25F score (the title counting three times the body), bonuses for adjacent words forming
one of pyvi's words in the article, and (see `search`) for the whole query standing as a
phrase in the title: multi-syllable words and phrases rank above scattered syllables.
"""

import dataclasses
import functools
import itertools
from collections.abc import Callable

from whoosh import query as q

from . import abbreviations, keystrokes
from .analysis import WORD_SEPARATOR, SyllableTokenizer
from .normalize import fold
from .query import Clause, ParsedQuery
from .schema import TEXT_FIELDS, WORD_FIELDS
from .vocabulary import Vocabulary, one_edit_apart

FIELD_BOOST = {"title": 3.0, "body": 1.0, "author": 1.0}
EXACT_BOOST = 1.5
WORD_BONUS = 1.0
# A Telex reading replaces the word as typed when the index holds it this many times more.
KEYSTROKE_EVIDENCE = 20
MAX_PREFIX_TERMS = 24
# A word one edit away joins the query as a possible intent when the index holds it this
# many times more often than the word typed; it then counts this much of a match. (10 -> 5
# on bench/relevance.py: typo MRR vntc .682 -> .714, unc .744 -> .754; marks .941 -> .939;
# topical nDCG@10 .596 -> .583: long queries gain little from alternatives of their words.)
TYPO_EVIDENCE = 5
TYPO_WEIGHT = 0.5
# A word one edit away that forms one of pyvi's words with a neighbouring query word (`hân
# sự` -> `nhân_sự`) joins the query as a full match when the articles hold that pair this
# many times more often than the pair as typed: a dropped letter often leaves another
# valid syllable (`thành` -> `hành`), which only the context gives away.
CONTEXT_EVIDENCE = 3
# ... and more often than this share of the documents holding the word as typed: a common
# word is more likely meant than a pair it happens to resemble. Typed with marks, a word
# says more exactly what was meant; without, every reading of it competes. (Measured on
# bench/relevance.py's unc queries: typo MRR 0.62 -> 0.70, the other styles unchanged.)
CONTEXT_SHARE = {"marked": 0.05, "folded": 0.25}
# Words one edit away tried, the most frequent first.
CONTEXT_CANDIDATES = 24
MAX_COMBINATIONS = 4
# A query of this many words or more also finds, after the articles that hold them all,
# those that miss up to a third of them (at least one; see `search`): a long query is a
# description, and reports of the same event rarely share every word of it. Shorter ones
# (a name, a few words of a title) mean every word. On bench/relevance.py's topical task
# (vims titles over vims + 20,000 vntc): nDCG@10 0.34 -> 0.46 (one word missing) -> 0.60
# (a third), recall@10 0.27 -> 0.40 -> 0.58.
NEARLY_WORDS = 5
NEARLY_MISSING = 1 / 3


@dataclasses.dataclass(frozen=True)
class Marks:
    """What to mark in a matching article: words by exact or folded form, and phrases
    (folded syllables) that count only whole."""

    exact: frozenset[str] = frozenset()
    folded: frozenset[str] = frozenset()
    phrases: frozenset[tuple[str, ...]] = frozenset()


@dataclasses.dataclass
class Matching:
    """The Whoosh query for a parsed query, and what the index understood of it."""

    required: q.Query  # every word: what an article must match
    nearly: q.Query | None  # most words (see NEARLY_WORDS), for long queries
    loose: q.Query  # any word instead: the fallback when every word finds nothing
    bonus: q.Query | None  # what orders the matches: words and phrases standing together
    marks: Marks
    understood: str  # the query as read: keystrokes decoded, typos mended
    changed: bool  # whether `understood` differs from what was typed, beyond marks
    phrase: tuple[tuple[str, ...], ...]  # the plain words' folded readings, in order

    def ranked(self, matching: q.Query) -> q.Query:
        """`matching` (required or loose) with the bonuses that rank its articles."""
        return q.AndMaybe(matching, self.bonus) if self.bonus else matching


@dataclasses.dataclass
class _Word:
    """One query syllable and the forms it stands for: (text, boost)."""

    typed: str
    forms: list[tuple[str, float]]
    understood: str
    changed: bool = False


def build(
    parsed: ParsedQuery, vocabulary: Vocabulary, prefix_last: bool = False
) -> Matching | None:
    """The matching for `parsed`; None when it holds nothing to search for."""
    if parsed.is_empty and not parsed.negative:
        return None
    groups = _join_expansions(parsed.positive)
    builder = _Builder(vocabulary, _plain_sequence(groups))
    required = [] if groups else [q.Every()]  # only exclusions: everything else
    for number, group in enumerate(groups):
        last = prefix_last and number == len(groups) - 1 and len(group) == 1
        required.append(_any(builder.clause(c, prefix=last) for c in group))
    bonus = builder.bonus()
    negative = [builder.clause(c) for c in parsed.negative]

    def without_excluded(matching: q.Query) -> q.Query:
        return q.AndNot(matching, _any(negative)) if negative else matching

    return Matching(
        required=without_excluded(q.And(required) if len(required) > 1 else required[0]),
        nearly=(
            without_excluded(q.Or(required, minmatch=len(required) - _may_miss(len(required))))
            if len(required) >= NEARLY_WORDS
            else None
        ),
        loose=without_excluded(q.Or(required)),
        bonus=q.Or(bonus) if bonus else None,
        marks=Marks(
            frozenset(builder.mark_exact),
            frozenset(builder.mark_folded),
            frozenset(builder.mark_phrases),
        ),
        understood=" ".join(builder.understood),
        changed=builder.changed,
        phrase=builder.sequence(),
    )


def _join_expansions(groups: list[tuple[Clause, ...]]) -> list[tuple[Clause, ...]]:
    """Join plain words that spell out an abbreviation's expansion into one phrase clause,
    so that `Ủy ban nhân dân` also finds `UBND`."""
    _, shortenings = abbreviations.table()
    longest = max(len(k.split()) for k in shortenings)
    joined: list[tuple[Clause, ...]] = []
    start = 0
    while start < len(groups):
        for end in range(min(len(groups), start + longest), start + 1, -1):
            span = groups[start:end]
            if all(len(g) == 1 and not g[0].phrase and not g[0].field for g in span):
                text = " ".join(g[0].text for g in span)
                if abbreviations.key(text) in shortenings:
                    joined.append((Clause(text, phrase=True),))
                    start = end
                    break
        else:
            joined.append(groups[start])
            start += 1
    return joined


def _may_miss(words: int) -> int:
    """How many of a long query's words an article may miss and still be listed."""
    return max(1, int(words * NEARLY_MISSING))


def _plain_sequence(groups: list[tuple[Clause, ...]]) -> list[str]:
    """The folded syllables of the query's plain words, in order: each word's context."""
    sequence: list[str] = []
    for group in groups:
        if len(group) == 1 and not group[0].phrase and not group[0].field:
            sequence += [fold(s) for s in _syllables(group[0].text)[0]]
    return sequence


def _any(queries) -> q.Query:
    queries = list(queries)
    return queries[0] if len(queries) == 1 else q.Or(queries)


class _Builder:
    def __init__(self, vocabulary: Vocabulary, context: list[str]):
        self.vocabulary = vocabulary
        self.neighbours: dict[str, set[str]] = {}
        for left, right in itertools.pairwise(context):
            self.neighbours.setdefault(left, set()).add(f"{{}}{WORD_SEPARATOR}{right}")
            self.neighbours.setdefault(right, set()).add(f"{left}{WORD_SEPARATOR}{{}}")
        self.mark_exact: set[str] = set()
        self.mark_folded: set[str] = set()
        self.mark_phrases: set[tuple[str, ...]] = set()
        self.understood: list[str] = []
        self.changed = False
        self._sequence: list[_Word] = []  # the plain words in order, for the bonuses

    def clause(self, clause: Clause, prefix: bool = False) -> q.Query:
        fields = (clause.field,) if clause.field else TEXT_FIELDS
        syllables, codes = _syllables(clause.text)
        if not syllables:
            return q.NullQuery()
        # A word still being typed is only a beginning: nothing to decode or mend yet.
        words = [
            _Word(s, [(s, 1.0)], s) if prefix and i == len(syllables) - 1 else self._word(s)
            for i, s in enumerate(syllables)
        ]
        several = clause.phrase or len(words) > 1
        if not clause.negated:
            changed = any(w.changed for w in words)
            self.understood.append(
                " ".join(w.understood for w in words) if changed else clause.text.lower()
            )
            self.changed |= changed
            if several:
                self.mark_phrases.add(tuple(fold(w.forms[0][0]) for w in words))
            for word in [] if several else words:
                for text, _ in word.forms:
                    (self.mark_folded if text == fold(text) else self.mark_exact).add(text)
        if several:
            found = self._phrase(words, fields) + [
                q.Term(field, fold(code), boost=FIELD_BOOST[field])
                for code in codes
                for field in fields
            ]
        else:
            found = [self._terms(words[0], fields, prefix)]
            if not clause.field and not clause.negated:
                self._sequence.append(words[0])
        found += self._abbreviation(clause.text, fields)
        return _any(found)

    def _word(self, syllable: str) -> _Word:
        folded = fold(syllable)
        if folded != syllable:
            word = _Word(syllable, [(syllable, EXACT_BOOST), (folded, 1.0)], syllable)
            frequency = self.vocabulary.text_frequency(syllable)
        else:
            frequency = self.vocabulary.text_frequency(syllable)
            decoded = keystrokes.decode(syllable)
            if decoded:
                evidence = self.vocabulary.text_frequency(decoded)
                if evidence and (frequency == 0 or evidence > KEYSTROKE_EVIDENCE * frequency):
                    forms = [(decoded, EXACT_BOOST), (fold(decoded), 1.0)]
                    return _Word(syllable, forms, decoded, changed=True)
            word = _Word(syllable, [(syllable, 1.0)], self.vocabulary.restore(syllable))
        return self._mend(word, folded, frequency)

    def _mend(self, word: _Word, folded: str, frequency: int) -> _Word:
        """Add the likely intended word when this one looks like a typo of it: the index
        never saw it, or a word one letter away is far more frequent (`kín` for `kính`).
        Typed with marks, only the words the marks fit are candidates (`nghệp`: `nghiệp`,
        not the more frequent `nghe`)."""
        marked = folded != word.typed
        # Read only when needed: most words typed with marks have neighbours that fit.
        spellings = functools.cache(lambda: self._spellings(word.typed, folded) if marked else [])
        candidates = (
            (lambda: [c for c, _ in spellings()])
            if marked
            else functools.partial(self.vocabulary.near, folded, limit=CONTEXT_CANDIDATES)
        )
        share = CONTEXT_SHARE["marked" if marked else "folded"]
        fitting = self._fits_context(folded, share * frequency, candidates)
        if fitting is None and frequency == 0 and spellings():
            fitting = spellings()[0][0]
        if fitting:
            spelled = dict(spellings()).get(fitting)
            forms = [(spelled, EXACT_BOOST)] if spelled else []
            return _Word(
                word.typed,
                [*word.forms, *forms, (fitting, 1.0)],
                spelled or self.vocabulary.restore(fitting),
                changed=True,
            )
        near = self.vocabulary.near(folded, limit=1)
        if not near:
            return word
        evidence = self.vocabulary.text_frequency(near[0])
        if frequency == 0:
            return _Word(
                word.typed,
                [*word.forms, (near[0], 1.0)],
                self.vocabulary.restore(near[0]),
                changed=True,
            )
        if evidence > TYPO_EVIDENCE * max(frequency, self.vocabulary.text_frequency(folded)):
            return dataclasses.replace(word, forms=[*word.forms, (near[0], TYPO_WEIGHT)])
        return word

    def _spellings(self, typed: str, folded: str) -> list[tuple[str, str]]:
        """(folded, marked) of the words one edit from `folded` that have a marked form one
        edit from `typed`, the most frequent first."""
        found = []
        for candidate in self.vocabulary.near(folded, limit=CONTEXT_CANDIDATES):
            forms = self.vocabulary.marked_forms(candidate)
            fitting = [
                (count, form) for form, count in forms.items() if one_edit_apart(typed, form)
            ]
            if fitting:
                found.append((max(fitting), candidate))
        found.sort(reverse=True)
        return [(candidate, form) for (_, form), candidate in found]

    def _fits_context(
        self, folded: str, at_least: float, candidates: Callable[[], list[str]]
    ) -> str | None:
        """The word among `candidates()` (words one edit from `folded`, read only when the
        query has neighbours) that forms a word with a neighbouring query word far more
        often than `folded` does (see CONTEXT_EVIDENCE), and more than `at_least` times, if
        any."""
        patterns = self.neighbours.get(folded)
        if not patterns:
            return None

        def pairs(text: str) -> int:
            return max(
                self.vocabulary.word_frequency(field, pattern.format(text))
                for pattern in patterns
                for field in WORD_FIELDS.values()
            )

        best = None
        evidence = max(CONTEXT_EVIDENCE * max(pairs(folded), 1) - 1, at_least)
        for candidate in candidates():
            count = pairs(candidate)
            if count > evidence:
                best, evidence = candidate, count
        return best

    def _terms(self, word: _Word, fields, prefix: bool) -> q.Query:
        terms = [
            q.Term(field, text, boost=boost * FIELD_BOOST[field])
            for field in fields
            for text, boost in word.forms
        ]
        if prefix:
            terms += [
                q.Term(field, text, boost=FIELD_BOOST[field])
                for field in fields
                for text in self._completions(field, word.typed)
            ]
        return _any(terms)

    def _completions(self, field: str, prefix: str) -> list[str]:
        # The most frequent words that start with what was typed so far, folded or exact.
        found = []
        for text in itertools.islice(self.vocabulary.reader.expand_prefix(field, prefix), 2000):
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            if text != prefix:
                found.append((self.vocabulary.frequency(field, text), text))
        found.sort(reverse=True)
        return [text for _, text in found[:MAX_PREFIX_TERMS]]

    def _phrase(self, words: list[_Word], fields) -> list[q.Query]:
        folded = [fold(w.forms[0][0]) for w in words]
        exact = [w.forms[0][0] for w in words]
        found = [q.Phrase(field, folded, boost=FIELD_BOOST[field]) for field in fields]
        if exact != folded:
            found += [
                q.Phrase(field, exact, boost=EXACT_BOOST * FIELD_BOOST[field]) for field in fields
            ]
        return found

    def _abbreviation(self, text: str, fields) -> list[q.Query]:
        expansions, shortenings = abbreviations.table()
        key = abbreviations.key(text)
        other = expansions.get(key) or shortenings.get(key)
        if not other:
            return []
        if len(other) == 1:
            self.mark_folded.add(other[0])
            return [q.Term(field, other[0], boost=FIELD_BOOST[field]) for field in fields]
        self.mark_phrases.add(other)
        return [q.Phrase(field, list(other), boost=FIELD_BOOST[field]) for field in fields]

    def bonus(self) -> list[q.Query]:
        """Optional clauses that lift articles where the words stand together."""
        readings = self.sequence()
        found: list[q.Query] = []
        for size in (2, 3):
            for start in range(len(readings) - size + 1):
                combinations = itertools.islice(
                    itertools.product(*readings[start : start + size]), MAX_COMBINATIONS
                )
                for combination in combinations:
                    word = WORD_SEPARATOR.join(combination)
                    found += [
                        q.Term(WORD_FIELDS[f], word, boost=WORD_BONUS * FIELD_BOOST[f])
                        for f in TEXT_FIELDS
                    ]
        return found

    def sequence(self) -> tuple[tuple[str, ...], ...]:
        """The plain words in order, each as its folded readings (a typo and its mends)."""
        return tuple(
            tuple(dict.fromkeys(fold(text) for text, _ in w.forms)) for w in self._sequence
        )


def _syllables(text: str) -> tuple[list[str], list[str]]:
    """The syllables of a clause in order, and the codes typed in it whole (`10-ct/tw`)."""
    syllables, codes = [], []
    last = -1
    for token in SyllableTokenizer(compounds=True)(text, positions=True):
        if token.pos > last:
            syllables.append(token.text.lower())
            last = token.pos
        else:
            codes.append(token.text.lower())
    return syllables, codes
