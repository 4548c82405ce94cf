"""What is on disk: the analysis and schema that Whoosh pickles into the index, its codec,
the index folder, its one writer, and what readers read from its segments."""
