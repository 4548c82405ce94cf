"""Queries in, results out: from what a reader typed to the result the pages, the JSON API
and the CLI render.

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
"""
