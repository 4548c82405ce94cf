"""Vietnamese full-text search for news and bulletin archives.

The data flows down the modules, and imports point the same way::

    sources/      files -> raw units -> records   (JSON Lines, site page text, HTML)
    article       record -> Article               (validated; `normalize` applied once)
    segment       text -> text with pyvi word marks
    analysis      marked text -> Whoosh tokens     (syllables, codes, words; exact + folded)
    topics        marked text -> derived topics
    schema        the fields of the index
    store         the index on disk, its lock and its one writer
    ingest        paths -> parallel workers -> writer -> Summary
    search        query -> SearchResult            (plain objects, no Whoosh types)
    stats         index -> IndexStats
    cli           the `search-service` command
"""
