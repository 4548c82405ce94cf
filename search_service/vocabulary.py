"""What the index's own vocabulary says about a query word.

Forgiving queries are decided by the index, not by rules alone: a Telex reading (`chis` →
`chí`) is taken when the index holds it and not the word as typed; a word missing a letter is
replaced by the most frequent indexed word one edit away; a folded word gets its marks back
from the most frequent form the articles use. Everything here reads one searcher, so it sees
one generation of the index.
"""

import functools
import string

from .normalize import fold

# Letters a typo may have dropped or swapped (folded vocabulary is plain ASCII).
_LETTERS = string.ascii_lowercase + string.digits
MAX_TYPO_LENGTH = 12


class Vocabulary:
    """Term statistics of one generation of the index."""

    def __init__(self, reader):
        self.reader = reader
        self._near: dict[tuple[str, int], list[str]] = {}

    def frequency(self, field: str, text: str) -> int:
        """How many articles hold `text` in `field`."""
        try:
            return self.reader.doc_frequency(field, text)
        except (KeyError, ValueError):
            return 0

    def text_frequency(self, text: str) -> int:
        """How many articles hold `text` in their title or body (an upper bound)."""
        return max(self.frequency("body", text), self.frequency("title", text))

    def near(self, word: str, limit: int = 2) -> list[str]:
        """Indexed words one edit from `word` (a letter missing, extra, wrong or swapped)."""
        if not 2 <= len(word) <= MAX_TYPO_LENGTH or not word.isascii():
            return []
        if (word, limit) not in self._near:
            self._near[word, limit] = self._edits(word, limit)
        return self._near[word, limit]

    def _edits(self, word: str, limit: int) -> list[str]:
        found = []
        for candidate in _one_edit(word):
            count = self.text_frequency(candidate)
            if count:
                found.append((count, candidate))
        found.sort(reverse=True)
        return [candidate for _, candidate in found[:limit]]

    @functools.cached_property
    def _exact_forms(self) -> dict[str, str]:
        # The most frequent form of each folded title syllable. Titles are a small field, and
        # their spelling is the careful one. A folded term counts both the plain word and the
        # folded copies of marked ones: the plain word's share is what the marked forms leave.
        marked: dict[str, list[tuple[int, str]]] = {}
        plain: dict[str, int] = {}
        for term, info in self.reader.iter_field("title"):
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if not text.isalpha():
                continue
            folded = fold(text)
            if folded == text:
                plain[folded] = info.doc_frequency()
            else:
                marked.setdefault(folded, []).append((info.doc_frequency(), text))
        best = {}
        for folded, forms in marked.items():
            count, text = max(forms)
            if count > plain.get(folded, 0) - sum(n for n, _ in forms):
                best[folded] = text
        return best

    def restore(self, folded: str) -> str:
        """The marked form the articles use most for a folded syllable (`hoi` → `hội`)."""
        return self._exact_forms.get(folded, folded)


def _one_edit(word: str):
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    seen = {word}
    for left, right in splits:
        for candidate in (
            [left + c + right for c in _LETTERS]
            + ([left + right[1:]] if right else [])
            + ([left + c + right[1:] for c in _LETTERS] if right else [])
            + ([left + right[1] + right[0] + right[2:]] if len(right) > 1 else [])
        ):
            if candidate and candidate not in seen:
                seen.add(candidate)
                yield candidate
