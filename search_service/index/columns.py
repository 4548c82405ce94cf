"""Column readers: a column's value for every document, a field's length per document,
read whole where Whoosh allows."""

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length

# Whoosh stores a field's length per document as one byte; this table decodes them.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def column_values(reader, field: str, default=None, translate: bool = True) -> list:
    """The value of a column field for every document number of `reader`.

    Read segment by segment: Whoosh's multi-segment column reader skips segments that lack
    the column (none of their documents had the field) and then misplaces the others.
    """
    if reader.doc_count_all() == 0:
        return []
    values: list = []
    for leaf, _offset in reader.leaf_readers():
        if leaf.has_column(field):
            column = leaf.column_reader(field, translate=translate)
            values.extend(column[n] for n in range(leaf.doc_count_all()))
        else:
            values.extend([default] * leaf.doc_count_all())
    return values


def field_lengths(per_document, field: str, count: int) -> np.ndarray:
    """The length of `field` in each of a segment's `count` documents (0 where it is
    absent), from its per-document reader: the lengths column read whole where Whoosh
    allows, not one Python call a document."""
    cached_reader = getattr(per_document, "_cached_reader", None)
    column = cached_reader(f"_{field}_len", LENGTHS_COLUMN) if cached_reader else None
    if column is not None and hasattr(column, "_count"):
        # One byte a document, stored up to the last non-zero one (whoosh-reloaded 2.7.5).
        raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        lengths = np.zeros(count, dtype=np.int64)
        lengths[: len(raw)] = _LENGTH_OF_BYTE[raw]
        return lengths
    return np.array(
        [per_document.doc_field_length(n, field, 0) or 0 for n in range(count)], dtype=np.int64
    )
