"""Government abbreviations and what they stand for, both ways (UBND ⇄ Ủy ban nhân dân)."""

import functools
from pathlib import Path

# An abbreviation or an expansion is looked up by its folded key.
from .syllables import folded_key

_TABLE = Path(__file__).with_name("data") / "abbreviations.tsv"


@functools.cache
def table() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(abbreviation key → expansion words, expansion key → abbreviation parts), folded."""
    expansions: dict[str, tuple[str, ...]] = {}
    abbreviations: dict[str, tuple[str, ...]] = {}
    with _TABLE.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            abbreviation, expansion = line.rstrip("\n").split("\t")
            expansions[folded_key(abbreviation)] = tuple(folded_key(expansion).split())
            abbreviations.setdefault(folded_key(expansion), tuple(folded_key(abbreviation).split()))
    return expansions, abbreviations
