"""Vietnamese full-text search for news and bulletin archives.

The data flows down the modules, and imports point the same way::

    sources/      files -> raw units -> records   (JSON Lines, site page text, HTML)
    article       record -> Article               (validated; `normalize` applied once)
    segment       text -> text with pyvi word marks
    analysis      marked text -> Whoosh tokens, or a document's terms in one pass
                  (syllables exact + folded, pyvi words, adjacent pairs)
    topics        marked text -> derived topics
    schema        the fields of the index
    store         the index on disk, its lock and its one writer; faults as the service's errors
    snapshot      whether the files a reader opened are still there, unchanged
    write_queue   the write API's durable queue -> one writer, group commits
    ingest        paths -> parallel workers -> writer -> Summary   (drains the queue too)
    committer     the writer process: queue -> analyzed, one commit a refresh; merges
    publish       records of the write API -> validated -> queue -> Report
    query         what was typed -> ParsedQuery    (phrases, -exclusions, OR, fields)
    matching      ParsedQuery -> the query's reading -> query trees   (precise, fallback)
    engine        query tree -> matches and scores (NumPy over cached postings)
    feedback      the best articles found -> terms that rank the fallback tier
    search        SearchRequest -> SearchResult    (tiers; plain objects, no Whoosh types)
    suggest       prefix -> titles
    stats         index -> IndexStats
    cli           the `search-service` command
    web/          Flask app: pages, JSON API, write API, CSV, OpenSearch   (templates/ at the top)
"""
