"""What the index's vocabulary says about query words."""

import pytest

from search_service.index.schema import TEXT_FIELDS
from search_service.search.engine import Plain
from search_service.search.vocabulary import one_edit_apart
from search_service.text.normalize import fold


@pytest.mark.parametrize(
    "typed, word",
    [
        ("nghệp", "nghiệp"),  # a letter missing
        ("nghiệp", "nghệp"),  # one too many
        ("thánh", "thành"),  # a wrong tone mark
        ("thanh", "thành"),  # a mark left out: a marked letter is a letter of its own
        ("tườgn", "tường"),  # two swapped
        ("ab", "ba"),
        ("hộ", "hội"),  # at the end
        ("ội", "hội"),  # at the start
    ],
)
def test_one_edit_apart(typed, word):
    assert one_edit_apart(typed, word)
    assert one_edit_apart(word, typed)


@pytest.mark.parametrize(
    "typed, word",
    [
        ("hội", "hội"),  # the same
        ("nghp", "nghiệp"),  # two letters missing
        ("nghe", "nghiệp"),
        ("abcd", "acbe"),  # a swap and a change
        ("", "ab"),
    ],
)
def test_not_one_edit_apart(typed, word):
    assert not one_edit_apart(typed, word)
    assert not one_edit_apart(word, typed)


def test_syllable_counts_agree_with_the_index(catalog):
    """A syllable's document frequency comes from the segments' tables of forms, and how
    many articles hold a plain syllable as it stands from its postings less its marked
    forms': both as the index's own postings say, for every syllable of the samples."""
    generation = catalog.current()
    vocabulary, engine = generation.vocabulary, generation.engine
    checked = 0
    for field in TEXT_FIELDS:
        syllables = {
            text
            for part in generation.parts
            for text, _ in part.data.terms(part.leaf, field)
            if text.isalpha()
        }
        for text in sorted(syllables):
            held = sum(p.data.frequency(p.leaf, field, text) for p in generation.parts)
            assert vocabulary.frequency(field, text) == held, (field, text)
            if text == fold(text) and (shadows := vocabulary.shadows(field, text)):
                standing = engine.scored_term(Plain(field, text, shadows))[0]
                assert vocabulary.plain_frequency(field, text) == len(standing), (field, text)
                checked += 1
    assert checked > 100  # plain syllables that are also folded copies of marked ones
