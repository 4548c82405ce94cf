"""Vietnamese full-text search for news and bulletin archives.

Two paths run through the packages, and imports point down them (`text/`, `errors` and
`caching` serve both; `web/` and `cli` are the shells, and nothing below imports them):

    an article:  file -> sources/ -> ingest/ (record -> Article -> fields) -> index/ on disk
    a query:     request -> search/ (reading, matching, scoring, facets, snippets) -> result
                 -> web/ (page, JSON, CSV) or cli

    text/            str -> str, no Whoosh: the Vietnamese both paths read
      normalize        NFC, tone placement, invisible characters; `fold` (no marks, no case)
      syllables        the syllable pattern; a text's folded key
      keystrokes       Telex and VNI keys -> the syllable they spell
      abbreviations    UBND <-> Ủy ban nhân dân   (data/abbreviations.tsv)
      dates            dates as Vietnamese write them: strict, or found in running text
      segmentation     text -> text with pyvi's words marked (JOINER), offsets kept
      topics           marked text -> derived topics   (data/word_frequencies.tsv)
    sources/         files -> raw units -> records
      reader           paths -> units (format detected, gzip inflated), a unit -> a record
      page_text        the site's page text -> a record
      html_page        an HTML page -> a record
    index/           what is on disk
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
    ingest/          articles in
      article          record -> Article   (validated; `normalize` applied once)
      fields           Article -> the writer's fields   (segmented, analyzed)
      outcomes         each article's Status; an ingest's Summary
      batches          the writer's side of an ingest: commits in growing batches
      pipeline         paths -> parallel workers -> writer -> Summary   (drains the queue too)
      write_queue      the write API's durable queue -> one writer, group commits
      committer        the writer process: queue -> one commit a refresh; merges
      publish          records of the write API -> validated -> queue -> Report
    search/          queries in, results out
      types            SearchRequest, SearchResult, Hit, FacetValue, Marks: plain objects
      query            what was typed -> ParsedQuery   (phrases, -exclusions, OR, fields)
      vocabulary       what the index's own words say about a query word
      matching         ParsedQuery -> the query's reading -> query trees   (precise, fallback)
      engine           query tree -> matches and scores   (NumPy over cached postings)
      feedback         the best articles found -> terms that rank the fallback tier
      catalog          the open index: a generation per commit, and its caches
      facets           matches -> counts by sector, topic and year
      highlight        titles and snippets with the matched words marked
      searching        SearchRequest -> SearchResult   (tiers, ranking, filters, suggestion)
      suggest          prefix -> titles
      related          an article's links, and the articles most like it
      stored_article   an article read back, its links resolved
    web/             the Flask app: pages, JSON API, write API   (templates/ at the top)
      settings         the settings table: defaults -> SEARCH_SERVICE_* environment -> test dict
      resources        the catalog and the search log, opened lazily in each worker
      search_log       counts of queries by day, results and readers, without addresses
      params           request parameters, as the library reads them
      pages            /, /articles/<id>, /search.csv, /opensearch.xml   (HTML, CSV)
      links            the URLs of a search page's states (facets, sorts, pages)
      export           the CSV export, streamed
      formatting       dates and numbers the Vietnamese way
      api              /api/search, /api/articles/<id>, /api/suggest, ..., /health   (JSON)
      staff            /searches and /api/searches, behind a login or the staff token
      writes           POST, PUT and DELETE /api/articles   (the write API, bearer token)
      openapi          the OpenAPI 3.1 document of the API
      errors           every error to one JSON shape or a Vietnamese page
      security         headers, CORS, request size, trusted proxies
      access_log       gunicorn's access log: paths without what readers typed
      serve            `search-service serve`: samples into an empty index, then gunicorn
      gunicorn_conf    gunicorn's settings: `-c python:search_service.web.gunicorn_conf`
      deploy           `search-service deploy systemd|nginx`: the production configuration
    cli              the `search-service` command   (`__main__`: `python -m search_service`)
    errors           the service's errors, each with its exit status and HTTP status
    caching          the one cache of computed values (LRU within a budget), used by both paths

    analysis, schema, codec, article: at the top too, for indexes built before this layout:
                     they re-export the classes that Whoosh and the write queue pickled there
"""
