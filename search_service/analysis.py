"""The analyzer classes at the import path where indexes built before the package layout
(issue 14) have them pickled: Whoosh stores the schema, analyzers included, in the table of
contents by import path. Their home is `index.analysis`; any commit by this version writes
the table of contents again under that path, so this module serves the indexes that have
not been written to since."""

from .index.analysis import FoldFilter, PairFilter, SyllableTokenizer, WordFilter

__all__ = ["FoldFilter", "PairFilter", "SyllableTokenizer", "WordFilter"]
