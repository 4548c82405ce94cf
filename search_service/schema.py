"""The field class at the import path where indexes built before the package layout
(issue 14) have it pickled: Whoosh stores the schema in the table of contents by import
path. Its home is `index.schema`; any commit by this version writes the table of contents
again under that path, so this module serves the indexes that have not been written to
since."""

from .index.schema import PreparedText

__all__ = ["PreparedText"]
