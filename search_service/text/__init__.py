"""Vietnamese text, `str` in and `str` out, no Whoosh: what the article path and the query
path both read. Testable with plain strings.

    normalize        NFC, tone placement, invisible characters; `fold` (no marks, no case)
    syllables        the syllable pattern; a text's folded key
    keystrokes       Telex and VNI keys -> the syllable they spell
    abbreviations    UBND <-> Ủy ban nhân dân   (data/abbreviations.tsv)
    dates            dates as Vietnamese write them: strict, or found in running text
    segmentation     text -> text with pyvi's words marked (JOINER), offsets kept
    topics           marked text -> derived topics   (data/word_frequencies.tsv)
"""
