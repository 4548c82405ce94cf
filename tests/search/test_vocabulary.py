"""What the index's vocabulary says about query words."""

import pytest

from search_service.search.vocabulary import one_edit_apart


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
