"""Topics derived from an article's own text, for archives that carry none.

A derived topic is one of the article's most distinctive multi-syllable words or names,
scored by tf-idf against a fixed background: how often this article uses the word (title
uses count three times) against how many news articles in general use it
(`data/word_frequencies.tsv`, document frequencies of pyvi words over 20,000 news articles).
Words in more than a tenth of all news (`tổ chức`, `thực hiện`) are never topics; a word
used once in the body alone is not what the article is about.
"""

import collections
import functools
import math
import re
from pathlib import Path

from .segmentation import JOINER
from .syllables import LETTER

MAX_TOPICS = 5
TITLE_WEIGHT = 3
MAX_BACKGROUND_SHARE = 0.1
# A run of letters and digits with its joined syllables; those without a JOINER are single
# syllables, skipped. Written so that each match takes a whole run: `+` in place of `*`
# made a run without a JOINER fail at each of its letters, after scanning it to its end
# (quadratic in the length of a title).
_WORD = re.compile(rf"{LETTER}+(?:{JOINER}{LETTER}+)*")
_FREQUENCIES = Path(__file__).with_name("data") / "word_frequencies.tsv"


@functools.cache
def _background() -> tuple[int, dict[str, int]]:
    with _FREQUENCIES.open(encoding="utf-8") as lines:
        documents = int(next(lines).split("\t")[1])
        return documents, {w: int(n) for w, n in (line.rstrip("\n").split("\t") for line in lines)}


def _is_name(surface: str) -> bool:
    return all(syllable[:1].isupper() for syllable in surface.split())


def derive_topics(marked_title: str, marked_body: str) -> list[str]:
    """Up to five topics for an article, from its text as marked by `segmentation.segment`."""
    documents, frequency = _background()
    counts: collections.Counter[str] = collections.Counter()
    surfaces: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for text, weight in ((marked_title, TITLE_WEIGHT), (marked_body, 1)):
        for match in _WORD.finditer(text):
            surface = match.group().replace(JOINER, " ")
            if surface == match.group() or any(c.isdigit() for c in surface):
                continue
            key = surface.lower()
            counts[key] += weight
            surfaces[key][surface] += 1
    scored = []
    for key, count in counts.items():
        in_general = frequency.get(key, 0)
        if count < 2 or in_general > MAX_BACKGROUND_SHARE * documents:
            continue
        idf = math.log((documents + 1) / (in_general + 1))
        scored.append((count * idf, key))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [_display(surfaces[key]) for _, key in scored[:MAX_TOPICS]]


def _display(surfaces: collections.Counter[str]) -> str:
    names = [s for s in surfaces.elements() if _is_name(s)]
    # A word written with capitals wherever it appears is a name: keep its capitals. Others
    # capitalized only at a sentence start are shown like the site's topics: "Khoa giáo".
    if len(names) * 2 > sum(surfaces.values()):
        return collections.Counter(names).most_common(1)[0][0]
    word = next(iter(surfaces)).lower()
    return word[:1].upper() + word[1:]
