import pytest

from search_service.search.query import Clause, parse


def test_plain_words():
    assert parse("hội nghị  giao ban").groups == (
        (Clause("hội"),),
        (Clause("nghị"),),
        (Clause("giao"),),
        (Clause("ban"),),
    )


def test_phrases_exclusions_fields_and_alternatives():
    parsed = parse('"hội nghị" -covid title:khoa OR author:"Lâm An" AND (giáo)')
    assert parsed.groups == (
        (Clause("hội nghị", phrase=True),),
        (Clause("covid", negated=True),),
        (Clause("khoa", field="title"), Clause("Lâm An", phrase=True, field="author")),
        (Clause("giáo"),),
    )
    assert parsed.negative == [Clause("covid", negated=True)]


def test_input_is_normalized_first():
    assert parse("Tỉnh uỷ").groups == ((Clause("Tỉnh"),), (Clause("ủy"),))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"unbalanced hội nghị', ((Clause("unbalanced"),), (Clause("hội"),), (Clause("nghị"),))),
        ("AND OR (", ()),
        ("OR hội", ((Clause("hội"),),)),
        ("hội OR", ((Clause("hội"),),)),
        ("- + & * ? :", ()),
        ("-", ()),
        ("-covid", ((Clause("covid", negated=True),),)),
        ("foo:bar", ((Clause("foo:bar"),),)),
        ('""', ()),
    ],
)
def test_malformed_input_is_read_as_plain_words(text, expected):
    assert parse(text).groups == expected


def test_noise_is_bounded():
    parsed = parse("ồ " * 2000 + '"((' * 300)
    assert len(parsed.groups) == 16


def test_only_negative_is_empty():
    assert parse("-covid").is_empty
    assert not parse("covid").is_empty
