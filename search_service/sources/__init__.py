"""Files -> raw units -> records: the readers that turn source files into article records.

    reader           paths -> units (format detected, gzip inflated), a unit -> a record
    page_text        the site's page text -> a record
    html_page        an HTML page -> a record

Units carry bytes: decoding and parsing happen in the ingest's worker processes.
"""
