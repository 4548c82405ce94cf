"""Articles in: records to validated articles, articles to index fields, the ingest of
files, and the write API's queue, writer process and publishing path."""
