"""Word segmentation with pyvi, marked inside the text itself.

Spaces separate syllables, not words. pyvi's tokenizer joins the syllables of a word with
`_` (`Hội_nghị`), but its output is not the input: it splits punctuation off and collapses
spaces. `segment` aligns pyvi's words back onto the text and replaces each space *inside* a
word by `JOINER`, one character for one character, so every offset of the text stays valid
for highlighting. The analyzer reads the marks; stored text never carries them.

pyvi loads its model at import (about a second), so it is imported on first use.
"""

import functools
from collections.abc import Iterator

# A private-use code point: `normalize` strips them from every input, so a JOINER in text
# can only have come from `segment`.
JOINER = "\ue000"

# pyvi's tokenizer builds its output by repeated string concatenation, and some of its
# patterns rescan the rest of the text at each token: quadratic in the length of its input.
# Long paragraphs are fed to it in slices cut at a space; a word across a cut may be read
# differently than in the whole paragraph (about one word in a slice), never misplaced.
_MAX_CHUNK = 4000


@functools.cache
def _pyvi_tokenize():
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize


def load_model() -> None:
    """Load pyvi's model now, rather than on the first segmentation."""
    _pyvi_tokenize()


def _chunks(paragraph: str) -> Iterator[str]:
    # Cut by index: slicing off the rest after each chunk copied it, quadratic in the length
    # of a paragraph.
    start = 0
    while len(paragraph) - start > _MAX_CHUNK:
        cut = paragraph.rfind(" ", start, start + _MAX_CHUNK)
        cut = cut if cut > start else start + _MAX_CHUNK
        yield paragraph[start:cut]
        start = cut
    yield paragraph[start:]


def _mark_words(text: str) -> str:
    if " " not in text:
        # A JOINER only ever takes the place of a space. pyvi costs about 12 us a token
        # whatever the text, and a run of marks or symbols is a token a character: a
        # megabyte of combining marks would cost seconds for nothing.
        return text
    marked = list(text)
    position = 0
    for word in _pyvi_tokenize()(text).split():
        previous_end = -1
        for syllable in word.split("_"):
            if not syllable:
                continue
            found = text.find(syllable, position)
            if found < 0:
                # pyvi changed this piece of text; skip it rather than misalign the rest.
                previous_end = -1
                continue
            if previous_end >= 0 and found == previous_end + 1 and text[previous_end] == " ":
                marked[previous_end] = JOINER
            position = previous_end = found + len(syllable)
    return "".join(marked)


def segment(text: str) -> str:
    """Return `text` with the spaces inside pyvi's multi-syllable words replaced by JOINER."""
    return "\n".join(
        "".join(_mark_words(chunk) for chunk in _chunks(line)) if line.strip() else line
        for line in text.split("\n")
    )
