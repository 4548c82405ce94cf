"""From a parsed query to its reading, and to the query trees that find and rank articles.

First the query is read as a whole (`_Reader`), then the search is precise about that
reading:

* **typed with marks** (any word carries one): every word means its exact form, case and
  tone placement aside, including the words without marks (`giao` is `giao`, not `giáo`;
  `Nga` is not `ngà`): the reader types with an input method;
* **typed as Telex or VNI keystrokes** (`hooij nghij`): the syllables they spell, when the
  index holds them and not the word as typed (so `covid` stays `covid`), then as above;
* **typed without marks** (`hoi nghi`, `HOI NGHI`): the reading of the whole query that the
  articles' adjacent syllables make most likely (`hội nghị`, not `hơi nghỉ`), and the other
  readings of a word that come within `LIKELY_RATIO` of it (a lone `ban` is many words).

Each word's forms are its `Form`s, each with its kind. The precise tier (`precise`) needs
every word in one of its forms (in the title or the body). Looser matches make the
`fallback` tier: any word, in any reading (its folded form), or mended (a word missing a
letter, `ngh` → `nghị`, or a slip its neighbours give away, `hân sự` → `nhân sự`), or an
abbreviation's other side. A word no article holds is `missing`: the precise tier is then
empty, and the correction, if one exists, is offered.

Both tiers rank by BM25F of the words (the title counting `FIELD_BOOST` times the body), plus
the pairs of adjacent query words as the articles hold them (`PAIR_BONUS`, from the pair
fields) and pyvi's multi-syllable words (`WORD_BONUS`): words that stand together rank above
scattered syllables.
"""

import dataclasses
import functools
import itertools
from collections.abc import Callable

from whoosh import query as q

from ..index.analysis import WORD_SEPARATOR, SyllableTokenizer, pair_term
from ..index.schema import PAIR_FIELDS, TEXT_FIELDS, WORD_FIELDS
from ..text import abbreviations, keystrokes
from ..text.normalize import fold
from ..text.segmentation import JOINER, segment
from ..text.syllables import folded_key
from .engine import ExactPhrase, Plain
from .query import Clause, ParsedQuery
from .types import Marks
from .vocabulary import Vocabulary, one_edit_apart

FIELD_BOOST = {"title": 2.0, "body": 1.0, "author": 1.0}
# The most likely reading of a word typed without marks, over its other likely ones.
BEST_BOOST = 1.5
# What a looser form of a word (another reading, a mend) counts in the fallback tier.
LOOSE_WEIGHT = 0.5
WORD_BONUS = 1.0
PAIR_BONUS = 1.0
# A Telex reading replaces the word as typed when the index holds it this many times more.
KEYSTROKE_EVIDENCE = 20
# A reading of a word typed without marks is searched when the best reading of the whole
# query through it is at least 1/LIKELY_RATIO as likely as the best reading of all (unc
# known-item MRR of queries typed without marks: .918 at 30; 100 gives .924, but a lone
# syllable then means nearly every word it folds from).
LIKELY_RATIO = 30
# How much a form's own frequency counts beside the pairs, in articles: a query's words
# need not stand together in any article, and where no pair tells readings apart, the
# more frequent form is the likelier.
PAIR_SMOOTHING = 0.1
MAX_READINGS = 8
MAX_PREFIX_TERMS = 24
# A word one edit away that forms one of pyvi's words with a neighbouring query word (`hân
# sự` -> `nhân_sự`) is offered as the word meant when the articles hold that pair this many
# times more often than the pair as typed: a dropped letter often leaves another valid
# syllable (`thành` -> `hành`), which only the context gives away.
CONTEXT_EVIDENCE = 3
# ... and more often than this share of the documents holding the word as typed: a common
# word is more likely meant than a pair it happens to resemble. Typed with marks, a word
# says more exactly what was meant; without, every reading of it competes.
CONTEXT_SHARE = {"marked": 0.05, "folded": 0.25}
# Words one edit away tried, the most frequent first.
CONTEXT_CANDIDATES = 24
MAX_COMBINATIONS = 4
# A query of this many plain syllables or more is a description (a headline, a topic): its
# multi-syllable words, as pyvi reads the query, must stand together in a precise match:
# `sách giáo khoa` is not `sách` ... `giáo viên` ... `khoa học`. Shorter queries are a
# name or a few words, often cut mid-word (`giả khoa`): each syllable counts on its own,
# and ranking lifts those that stand together. (VMDS dev topics: the best ranking the
# precise tier allows is nDCG@10 0.980 with this rule.)
DESCRIPTION_SYLLABLES = 4


class Kind:
    """How a form of a query word came to be searched."""

    TYPED = "typed"  # as typed (with its marks, or without any)
    KEYSTROKES = "keystrokes"  # spelled by Telex or VNI keys
    RESTORED = "restored"  # a reading of a word typed without marks
    MENDED = "mended"  # another word, one letter away (fallback only)
    FOLDED = "folded"  # every reading of the word (fallback only)


@dataclasses.dataclass(frozen=True)
class Form:
    """One form a query word is searched in: its text (lowercase; marks kept) and kind."""

    text: str
    kind: str


@dataclasses.dataclass(frozen=True)
class Word:
    """A syllable of the query, the forms it is read as (the most likely first), and the
    looser forms of the fallback tier."""

    typed: str
    forms: tuple[Form, ...]
    looser: tuple[Form, ...] = ()
    shown: str = ""  # as typed, case kept

    @property
    def cased(self) -> str:
        """The best form in the case typed (`Phương`): pyvi reads names by their capitals."""
        return self.best.capitalize() if self.shown[:1].isupper() else self.best

    @property
    def best(self) -> str:
        return self.forms[0].text

    @property
    def mend(self) -> str | None:
        """The marked form of the word probably meant, when another than the one typed."""
        return next((f.text for f in self.looser if f.kind == Kind.MENDED), None)


@dataclasses.dataclass
class Matching:
    """The query as read, and the Whoosh query trees of its tiers."""

    precise: q.Query  # every word as read: what the total, facets and date sorts count
    fallback: q.Query  # any word, any reading or mend: the labelled fallback tier
    bonus: q.Query | None  # what orders the matches: words standing together
    marks: Marks  # what the precise tier marks
    fallback_marks: Marks  # what the fallback tier marks
    reading: str  # the query as searched: marks restored, keystrokes decoded
    correction: str | None  # the reading with mends, when a word seems mistyped
    missing: tuple[str, ...]  # words typed that no article holds
    words: tuple[Word, ...]  # the plain words in order
    phrase: tuple[tuple[str, ...], ...]  # their folded forms, for a whole-title match

    @property
    def key(self) -> tuple:
        """What the results depend on: queries read alike (`hội nghị`, `HỘI NGHỊ`, `hooij
        nghij`) find the same articles, ranked and marked the same."""
        return (
            self.precise,
            self.fallback,
            self.bonus,
            self.marks,
            self.fallback_marks,
            self.reading,
            self.correction,
            self.phrase,
            len(self.words),
        )

    def ranked(self, matching: q.Query) -> q.Query:
        """`matching` (a tier) with the bonuses that rank its articles."""
        return q.AndMaybe(matching, self.bonus) if self.bonus else matching


def build(
    parsed: ParsedQuery, vocabulary: Vocabulary, prefix_last: bool = False
) -> Matching | None:
    """The matching for `parsed`; None when it holds nothing to search for."""
    if parsed.is_empty and not parsed.negative:
        return None
    groups = parsed.positive
    builder = _Builder(vocabulary, groups, parsed.negative, prefix_last)
    precise: list[q.Query] = [] if groups else [q.Every()]  # only exclusions: the rest
    fallback: list[q.Query] = []
    for number, group in enumerate(groups):
        last = prefix_last and number == len(groups) - 1 and len(group) == 1
        builder.group = number
        found = [builder.clause(c, prefix=last) for c in group]
        precise.append(_any(p for p, _ in found))
        fallback.append(_any(f for _, f in found))
    for number, together in builder.words_together():
        precise[number] = q.And([precise[number], together])
    # Words that spell out an expansion: those words, or the abbreviation (`UBND`).
    for start, end, text in reversed(_expansions(groups)):
        other = builder.abbreviation(text, TEXT_FIELDS, record=True)
        precise[start:end] = [q.Or([q.And(precise[start:end]), *other])]
        fallback[start:end] = [q.Or([*fallback[start:end], *other])]
    negative = [builder.clause(c)[0] for c in parsed.negative]

    def without_excluded(matching: q.Query) -> q.Query:
        return q.AndNot(matching, _any(negative)) if negative else matching

    bonus = builder.bonus()
    return Matching(
        precise=without_excluded(q.And(precise) if len(precise) > 1 else precise[0]),
        fallback=without_excluded(q.Or(fallback) if fallback else q.NullQuery()),
        bonus=q.Or(bonus) if bonus else None,
        marks=builder.marks(fallback=False),
        fallback_marks=builder.marks(fallback=True),
        reading=" ".join(builder.reading),
        correction=" ".join(builder.corrected) if builder.mended else None,
        missing=tuple(builder.missing),
        words=tuple(builder.sequence),
        phrase=tuple(tuple(dict.fromkeys(fold(f.text) for f in w.forms)) for w in builder.sequence),
    )


def _expansions(groups: list[tuple[Clause, ...]]) -> list[tuple[int, int, str]]:
    """(start, end, text) of the runs of plain words that spell out an abbreviation's
    expansion (`Ủy ban nhân dân`), longest first, so that they also find `UBND`."""
    _, shortenings = abbreviations.table()
    longest = max(len(k.split()) for k in shortenings)
    found = []
    start = 0
    while start < len(groups):
        for end in range(min(len(groups), start + longest), start + 1, -1):
            span = groups[start:end]
            if all(_is_plain_word(g) for g in span):
                text = " ".join(g[0].text for g in span)
                if folded_key(text) in shortenings:
                    found.append((start, end, text))
                    start = end
                    break
        else:
            start += 1
    return found


def _is_plain_word(group: tuple[Clause, ...]) -> bool:
    return len(group) == 1 and not group[0].phrase and not group[0].field


def _any(queries) -> q.Query:
    queries = list(queries)
    return queries[0] if len(queries) == 1 else q.Or(queries)


class _Reader:
    """The forms of each syllable of a query, decided for the query as a whole."""

    def __init__(self, vocabulary: Vocabulary, syllables: list[str], context: list[str]):
        self.vocabulary = vocabulary
        self.marked = any(fold(s) != s for s in syllables)
        self.decoded: dict[str, str] = {}
        if not self.marked:
            for syllable in syllables:
                decoded = self._keystrokes(syllable)
                if decoded:
                    self.decoded[syllable] = decoded
        self.restored: dict[int, tuple[Form, ...]] = {}
        if not self.marked and not self.decoded:
            self.restored = self._restore(context)

    @property
    def exact(self) -> bool:
        """Whether words mean their exact form (typed with marks, or with their keys)."""
        return self.marked or bool(self.decoded)

    def _keystrokes(self, syllable: str) -> str | None:
        decoded = keystrokes.decode(syllable)
        if not decoded:
            return None
        evidence = self.vocabulary.text_frequency(decoded)
        frequency = self.vocabulary.text_frequency(syllable)
        if evidence and (frequency == 0 or evidence > KEYSTROKE_EVIDENCE * frequency):
            return decoded
        return None

    def forms(self, syllable: str, position: int | None) -> tuple[Form, ...]:
        """The forms of a syllable; `position` in the context of plain words, if it is one."""
        if syllable in self.decoded:
            return (Form(self.decoded[syllable], Kind.KEYSTROKES),)
        if position is not None and position in self.restored:
            return self.restored[position]
        return (Form(syllable, Kind.TYPED),)

    def _restore(self, context: list[str]) -> dict[int, tuple[Form, ...]]:
        """The likely readings of each plain word typed without marks, by how often the
        articles use each form and each pair of adjacent forms: a Markov chain over the
        words, and for each reading of each word the best reading of the whole query
        through it (max-product, forward and backward), kept within LIKELY_RATIO of the
        best of all."""
        if not context:
            return {}
        options = [self._options(syllable) for syllable in context]
        steps = [
            self._transitions(context[i], context[i + 1], options[i], options[i + 1])
            for i in range(len(context) - 1)
        ]
        forward = [{form: float(count) + 1 for form, count in options[0].items()}]
        for i, step in enumerate(steps):
            forward.append(
                {
                    form: max(forward[i][p] * step[p, form] for p in options[i])
                    for form in options[i + 1]
                }
            )
        backward = [{form: 1.0 for form in options[-1]}]
        for i in range(len(steps) - 1, -1, -1):
            backward.insert(
                0,
                {
                    form: max(steps[i][form, f] * backward[0][f] for f in options[i + 1])
                    for form in options[i]
                },
            )
        return {
            i: _likely({form: forward[i][form] * backward[i][form] for form in options[i]})
            for i in range(len(context))
        }

    def _transitions(
        self, first: str, second: str, left: dict[str, int], right: dict[str, int]
    ) -> dict[tuple[str, str], float]:
        """How likely each form of `second` follows each form of `first`: the pairs the
        articles hold, smoothed towards how often each form of `second` stands anywhere."""
        pairs = self.vocabulary.pair_readings(first, second)
        total = sum(right.values()) + len(right)
        return {
            (a, b): (pairs.get((a, b), 0) + PAIR_SMOOTHING * (right[b] + 1) / total)
            / (count + PAIR_SMOOTHING)
            for a, count in left.items()
            for b in right
        }

    def _options(self, syllable: str) -> dict[str, int]:
        forms = self.vocabulary.forms(syllable)
        if not forms:
            return {syllable: 0}
        return dict(forms.most_common(MAX_READINGS))


def _likely(scores: dict[str, float]) -> tuple[Form, ...]:
    """The forms whose score is within LIKELY_RATIO of the best, the best first."""
    best = max(scores.values())
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        Form(form, Kind.RESTORED) for form, score in ranked if score * LIKELY_RATIO >= best
    )


class _Builder:
    def __init__(
        self,
        vocabulary: Vocabulary,
        groups: list[tuple[Clause, ...]],
        negative: list[Clause],
        prefix_last: bool,
    ):
        self.vocabulary = vocabulary
        # The plain words in order: each one's context.
        # The plain words of one syllable (as `clause` numbers them): a code or a compound
        # (`30/4`, `covid-19`) is a phrase of its own.
        context = [
            syllables[0]
            for g in groups
            if _is_plain_word(g)
            for syllables in [_syllables(g[0].text)[0]]
            if len(syllables) == 1
        ]
        every = [s for g in groups for c in g for s in _syllables(c.text)[0]] + [
            s for c in negative for s in _syllables(c.text)[0]
        ]
        if prefix_last and context and groups and _is_plain_word(groups[-1]):
            context = context[:-1]  # a word still being typed says nothing yet
        folded = [fold(s) for s in context]
        self.reader = _Reader(vocabulary, every, folded)
        self.neighbours: dict[str, set[str]] = {}
        for left, right in itertools.pairwise(folded):
            self.neighbours.setdefault(left, set()).add(f"{{}}{WORD_SEPARATOR}{right}")
            self.neighbours.setdefault(right, set()).add(f"{left}{WORD_SEPARATOR}{{}}")
        # Typed with marks or keys: each word's neighbours as typed, (left, None) or
        # (None, right), for the exact pairs.
        self.exact_neighbours: dict[str, set[tuple[str | None, str | None]]] = {}
        if self.reader.exact:
            typed = [self.reader.forms(s, None)[0].text for s in context]
            for left, right in itertools.pairwise(typed):
                self.exact_neighbours.setdefault(left, set()).add((None, right))
                self.exact_neighbours.setdefault(right, set()).add((left, None))
        self._position = 0
        self.exact: set[str] = set()
        self.folded: set[str] = set()
        self.phrases: set[tuple[str, ...]] = set()
        self.exact_phrases: set[tuple[str, ...]] = set()
        self.mends: set[str] = set()
        self.reading: list[str] = []
        self.corrected: list[str] = []
        self.mended = False
        self.missing: list[str] = []
        self.sequence: list[Word] = []
        self.group = 0  # the group of the clause being built
        self.groups: list[int] = []  # the group of each word of `sequence`

    def clause(self, clause: Clause, prefix: bool = False) -> tuple[q.Query, q.Query]:
        """(precise, fallback) queries of one clause."""
        fields = (clause.field,) if clause.field else TEXT_FIELDS
        syllables, codes = _syllables(clause.text)
        if not syllables:
            return q.NullQuery(), q.NullQuery()
        plain = not clause.phrase and not clause.field and len(syllables) == 1
        position = None
        if plain and not clause.negated and not prefix:
            position, self._position = self._position, self._position + 1
        shown = _syllables(clause.text, lower=False)[0]
        words = [
            dataclasses.replace(self._word(s, position if plain else None), shown=typed)
            for s, typed in zip(syllables, shown, strict=True)
        ]
        if prefix:
            words[-1] = Word(syllables[-1], (Form(syllables[-1], Kind.TYPED),))
        if clause.negated and not self.reader.exact:
            # `-bao` typed without marks leaves out every reading of it.
            words = [Word(s, (Form(fold(s), Kind.FOLDED),)) for s in syllables]
        several = clause.phrase or len(words) > 1
        if several:
            precise = self._phrase(words, fields) + [
                q.Term(field, fold(code), boost=FIELD_BOOST[field])
                for code in codes
                for field in fields
            ]
            loose = [
                q.Phrase(field, [fold(w.best) for w in words], boost=FIELD_BOOST[field])
                for field in fields
            ]
        else:
            precise = [self._terms(words[0].forms, fields, words[0].typed if prefix else "")]
            loose = [self._terms(words[0].looser, fields, "", LOOSE_WEIGHT)]
        other_side = self.abbreviation(clause.text, fields, record=not clause.negated)
        if clause.negated:
            return _any(precise + other_side), q.NullQuery()
        self._record(clause, words, several)
        return _any(precise + other_side), _any(precise + other_side + loose)

    def _record(self, clause: Clause, words: list["Word"], several: bool) -> None:
        """Note what a positive clause reads as, marks and misses."""
        self.reading.append(
            " ".join(w.best for w in words) if not clause.field else clause.text.lower()
        )
        self.corrected.append(" ".join(w.mend or w.best for w in words))
        self.mended |= any(w.mend for w in words)
        if several:
            if self.reader.exact:
                self.exact_phrases.add(tuple(w.best for w in words))
            else:
                self.phrases.add(tuple(fold(w.best) for w in words))
        else:
            word = words[0]
            if not clause.field:
                self.sequence.append(word)
                self.groups.append(self.group)
            self.exact.update(f.text for f in word.forms)
            self.mends.update(f.text for f in word.looser if f.kind == Kind.MENDED)
            if not any(self._frequency(f.text) for f in word.forms):
                self.missing.append(word.shown or word.typed)

    def _frequency(self, form: str) -> int:
        """How many articles hold `form` as it is (a plain form: not as a folded copy)."""
        if form == fold(form):
            return self.vocabulary.forms(form).get(form, 0)
        return self.vocabulary.text_frequency(form)

    def _word(self, syllable: str, position: int | None) -> Word:
        forms = self.reader.forms(syllable, position)
        folded = fold(forms[0].text)
        looser = [Form(folded, Kind.FOLDED)]
        # Typed without marks, the word as typed is what a slip is judged by.
        typed = syllable if forms[0].kind == Kind.RESTORED else forms[0].text
        mend = self._mend(typed, folded)
        if mend:
            looser += [Form(mend[0], Kind.MENDED), Form(mend[1], Kind.FOLDED)]
        return Word(syllable, forms, tuple(looser))

    def _mend(self, typed: str, folded: str) -> tuple[str, str] | None:
        """(form, folded form) of the word likely meant when this one looks like a slip:
        the index never saw it, or a word one letter away stands beside a neighbouring
        query word far more often. Typed with marks, only the words the marks fit are
        candidates (`nghệp`: `nghiệp`, not the more frequent `nghe`), and the pairs are
        judged exactly (`đại tướng` is not a slip of `đối tượng`, which folds alike)."""
        marked = folded != typed
        frequency = (
            self._frequency(typed) if self.reader.exact else self.vocabulary.text_frequency(folded)
        )
        spellings = functools.cache(lambda: self._spellings(typed, folded) if marked else [])
        share = CONTEXT_SHARE["marked" if marked else "folded"]
        if self.reader.exact:

            def options() -> list[tuple[str, str]]:
                if marked:
                    return spellings()
                if frequency:
                    return []  # a name or a foreign word, not a slip: `Cuba` is not `của`
                return [
                    (candidate, form)
                    for candidate in self.vocabulary.near(folded, limit=CONTEXT_CANDIDATES)
                    for form, _ in self.vocabulary.forms(candidate).most_common(MAX_READINGS)
                ]

            fitting = self._fits_exactly(typed, share * frequency, options)
        else:
            near = functools.partial(self.vocabulary.near_counts, folded, limit=CONTEXT_CANDIDATES)
            found = self._fits_context(folded, share * frequency, near)
            fitting = (found, self.vocabulary.restore(found)) if found else None
        if fitting is None and frequency == 0:
            if spellings():
                fitting = spellings()[0]
            else:
                nearest = self.vocabulary.near(folded, limit=1)
                fitting = (nearest[0], self.vocabulary.restore(nearest[0])) if nearest else None
        if not fitting:
            return None
        return fitting[1], fitting[0]

    def _spellings(self, typed: str, folded: str) -> list[tuple[str, str]]:
        """(folded, marked) of the words one edit from `folded` that have a marked form one
        edit from `typed`, the most frequent first."""
        found = []
        # The same letters with other marks too: `Hà Nôi` is `Hà Nội`.
        for candidate in [folded, *self.vocabulary.near(folded, limit=CONTEXT_CANDIDATES)]:
            forms = self.vocabulary.marked_forms(candidate)
            fitting = [
                (count, form) for form, count in forms.items() if one_edit_apart(typed, form)
            ]
            if fitting:
                found.append((max(fitting), candidate))
        found.sort(reverse=True)
        return [(candidate, form) for (_, form), candidate in found]

    def _fits_exactly(
        self, typed: str, at_least: float, options: Callable[[], list[tuple[str, str]]]
    ) -> tuple[str, str] | None:
        """The (folded, form) among `options()` whose form stands beside a neighbouring
        query word (exactly, in the pair fields) in more than CONTEXT_EVIDENCE - 1 and
        `at_least` articles, if `typed` stands beside none of them in any."""
        sides = self.exact_neighbours.get(typed)
        if not sides:
            return None

        def pairs(form: str) -> int:
            return max(
                self.vocabulary.frequency(field, pair_term(left or form, right or form))
                for left, right in sides
                for field in PAIR_FIELDS.values()
            )

        if pairs(typed):
            return None  # a word that stands beside its neighbours in some article is meant
        best = None
        evidence = max(CONTEXT_EVIDENCE - 1, at_least)
        for candidate, form in options():
            count = pairs(form)
            if count > evidence:
                best, evidence = (candidate, form), count
        return best

    def _fits_context(
        self, folded: str, at_least: float, candidates: Callable[[], list[tuple[str, int]]]
    ) -> str | None:
        """The word among `candidates()` (words one edit from `folded` with how many
        articles hold them, read only when the query has neighbours) that forms one of
        pyvi's words with a neighbouring query word far more often than `folded` does (see
        CONTEXT_EVIDENCE), and more than `at_least` times, if any: typed without marks, a
        pair's every reading counts."""
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
        for candidate, held in candidates():
            if held <= evidence:
                # A word cannot stand beside another in more documents than hold it
                # (pyvi's words fold as their syllables do: true of every Vietnamese
                # letter, not of a few foreign capitals, `Ξ` folding to `ks` and `x`).
                continue
            count = pairs(candidate)
            if count > evidence:
                best, evidence = candidate, count
        return best

    def _term(self, field: str, text: str, boost: float) -> q.Term:
        """A term of a word's form: a plain form found only where it stands plain, when
        words mean their exact forms (or the reading restored is the plain one)."""
        if text == fold(text):
            shadows = self.vocabulary.shadows(field, text)
            if shadows:
                return Plain(field, text, shadows, boost=boost)
        return q.Term(field, text, boost=boost)

    def _terms(
        self, forms: tuple[Form, ...], fields: tuple[str, ...], prefix: str, weight: float = 1.0
    ) -> q.Query:
        """Any of `forms` in `fields`; with a `prefix` (the word as typed so far), also the
        words that complete it."""
        if not forms:
            return q.NullQuery()
        terms = []
        for field in fields:
            for number, form in enumerate(forms):
                boost = weight * FIELD_BOOST[field]
                if form.kind == Kind.FOLDED:
                    terms.append(q.Term(field, form.text, boost=boost))
                    continue
                if number == 0 and form.kind == Kind.RESTORED and len(forms) > 1:
                    boost *= BEST_BOOST
                if prefix:
                    terms.append(q.Term(field, form.text, boost=boost))
                else:
                    terms.append(self._term(field, form.text, boost))
        if prefix:
            terms += [
                q.Term(field, text, boost=FIELD_BOOST[field])
                for field in fields
                for text in self._completions(field, prefix)
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

    def _phrase(self, words: list[Word], fields) -> list[q.Query]:
        """A phrase of the words' best forms: exact when words mean their exact forms,
        else folded (every reading: words that stand together are rarely misread)."""
        if not self.reader.exact:
            folded = [fold(w.best) for w in words]
            return [q.Phrase(field, folded, boost=FIELD_BOOST[field]) for field in fields]
        exact = [w.best for w in words]
        return [
            ExactPhrase(
                field,
                exact,
                [self.vocabulary.shadows(field, t) if t == fold(t) else () for t in exact],
                boost=FIELD_BOOST[field],
            )
            for field in fields
        ]

    def abbreviation(self, text: str, fields, record: bool) -> list[q.Query]:
        expansions, shortenings = abbreviations.table()
        key = folded_key(text)
        other = expansions.get(key) or shortenings.get(key)
        if not other:
            return []
        if len(other) == 1:
            if record:
                self.folded.add(other[0])
            return [q.Term(field, other[0], boost=FIELD_BOOST[field]) for field in fields]
        if record:
            self.phrases.add(other)
        return [q.Phrase(field, list(other), boost=FIELD_BOOST[field]) for field in fields]

    def marks(self, fallback: bool) -> Marks:
        """What the tier marks: the forms searched; the fallback also the mends. Not other
        readings: `giáo` marked for `giao` reads as a mistake."""
        mends = frozenset(self.mends) if fallback else frozenset()
        return Marks(
            exact=frozenset(self.exact | mends),
            folded=frozenset(self.folded),
            phrases=frozenset(self.phrases),
            exact_phrases=frozenset(self.exact_phrases),
        )

    def words_together(self) -> list[tuple[int, q.Query]]:
        """For a description (DESCRIPTION_SYLLABLES), each pair of adjacent plain words
        that pyvi reads as one word, required to stand together (in the pair fields),
        with the group of its first word."""
        if len(self.sequence) < DESCRIPTION_SYLLABLES:
            return []
        # Typed all in capitals, a query says nothing of names: read as if in lowercase.
        in_capitals = all(w.shown.isupper() for w in self.sequence)
        joined = segment(" ".join(w.best if in_capitals else w.cased for w in self.sequence))
        inside = [char == JOINER for char in joined if char in (" ", JOINER)]
        pairs = zip(inside, self.groups[:-1], itertools.pairwise(self.sequence), strict=True)
        return [
            (group, self._pair(left, right, boost=0.0))
            for glued, group, (left, right) in pairs
            if glued
        ]

    def _pair(self, left: Word, right: Word, boost: float) -> q.Query:
        """Two adjacent words in any of their forms, as the pair fields hold them."""
        combinations = itertools.islice(
            itertools.product([f.text for f in left.forms], [f.text for f in right.forms]),
            MAX_COMBINATIONS,
        )
        return _any(
            q.Term(PAIR_FIELDS[f], pair_term(first, second), boost=boost * FIELD_BOOST[f])
            for first, second in combinations
            for f in TEXT_FIELDS
        )

    def bonus(self) -> list[q.Query]:
        """Optional clauses that lift articles where the words stand together: adjacent
        words as the articles pair them (exact), and as pyvi's words (folded)."""
        found = [
            self._pair(left, right, PAIR_BONUS) for left, right in itertools.pairwise(self.sequence)
        ]
        readings = [[f.text for f in w.forms] for w in self.sequence]
        folded = [list(dict.fromkeys(fold(t) for t in r)) for r in readings]
        for size in (2, 3):
            for start in range(len(folded) - size + 1):
                combinations = itertools.islice(
                    itertools.product(*folded[start : start + size]), MAX_COMBINATIONS
                )
                for combination in combinations:
                    word = WORD_SEPARATOR.join(combination)
                    found += [
                        q.Term(WORD_FIELDS[f], word, boost=WORD_BONUS * FIELD_BOOST[f])
                        for f in TEXT_FIELDS
                    ]
        return found


def _syllables(text: str, lower: bool = True) -> tuple[list[str], list[str]]:
    """The syllables of a clause in order, and the codes typed in it whole (`10-ct/tw`)."""
    syllables, codes = [], []
    last = -1
    for token in SyllableTokenizer(compounds=True)(text, positions=True):
        found = token.text.lower() if lower else token.text
        if token.pos > last:
            syllables.append(found)
            last = token.pos
        else:
            codes.append(found)
    return syllables, codes
