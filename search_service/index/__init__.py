"""What is on disk: a Whoosh index in a folder, written by one writer, read by segments.

    analysis         marked text -> Whoosh tokens, or a document's terms in one pass
                     (syllables exact + folded, pyvi words, adjacent pairs)
    schema           the fields of the index, and its version
    codec            Whoosh's file format, posting blocks compressed where it pays
    term_table       each segment's terms, documents and frequencies, found by a binary search
    store            the index folder: find, open, check its version; faults as errors
    writing          creating the index, its one writer and lock, merges at commits
    columns          column values and field lengths, per document
    mapped_files     segment files read where they are mapped, not copied
    snapshot         whether the files a reader opened are still there, unchanged
    segment_data     what is read from one segment, kept while the segment lives
    stats            index -> IndexStats

Whoosh pickles the schema's field and analyzer classes and each segment's codec into the
index by import path: the paths of `analysis`, `schema` and `codec` are part of the
on-disk format (the modules of the same names at the top of the package serve indexes
built before this package existed).
"""
