"""Vietnamese text, `str` in and `str` out, before any index: normalization, syllables,
keystrokes, abbreviations, dates, pyvi word segmentation and derived topics."""
