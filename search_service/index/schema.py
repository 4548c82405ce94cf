"""The Whoosh schema: which forms of an article are searchable, stored, sortable.

Text is indexed three times over: syllables (exact and folded, with positions for
phrases), pyvi's multi-syllable words (folded, frequencies only), and adjacent syllable
pairs (exact behind folded, frequencies only). The searchable `body` holds the
article's body, photo captions and author, so that a plain query looks in two fields, title
and body; the stored `body` is the body alone. Filters read `date`, `sector`, `topics` and
`derived_topics`; facets count the `date`, `sector` and `topic_list` columns, so counting
needs no stored fields. Change anything here and bump `SCHEMA_VERSION`: an index built by
another version is refused with a message to rebuild it. Whoosh pickles the schema into the
index, `PreparedText` by its import path (`search_service.schema` re-exports it for indexes
built before the package layout).
"""

from whoosh import columns, fields, formats
from whoosh.system import pack_uint

from .analysis import pair_analyzer, syllable_analyzer, word_analyzer

# 2: the pair fields.
SCHEMA_VERSION = 2

# The fields a plain query searches, each with its word field.
TEXT_FIELDS = ("title", "body")
WORD_FIELDS = {"title": "title_words", "body": "body_words"}
PAIR_FIELDS = {"title": "title_pairs", "body": "body_pairs"}
# The fields whose terms queries look up (their bytes UTF-8 text).
ANALYZED_FIELDS = frozenset((*TEXT_FIELDS, *WORD_FIELDS.values(), *PAIR_FIELDS.values()))


class PreparedText(fields.TEXT):
    """A TEXT field that also accepts postings analyzed in advance by a worker process.

    The indexer analyzes articles in parallel workers; the single writer then only adds
    their postings. `index()` of a list returns it unchanged; of a string, it analyzes.
    """

    def index(self, value, **kwargs):
        if isinstance(value, list):
            return value
        return list(super().index(value, **kwargs))

    def postings(self, terms: dict[str, list[int]]) -> list:
        """The postings of terms and their positions (`analysis.document_terms`), as
        `index()` of the text gives them."""
        boost = self.format.field_boost
        positional = isinstance(self.format, formats.Positions)
        encode = self.format.encode if positional else _frequency
        return [
            (term.encode(), len(positions), len(positions) * boost, encode(positions))
            for term, positions in terms.items()
        ]


def _frequency(positions: list[int]) -> bytes:
    return pack_uint(len(positions))


def build_schema() -> fields.Schema:
    """The schema of an index at SCHEMA_VERSION."""
    syllables = syllable_analyzer()
    words = word_analyzer()
    pairs = pair_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=PreparedText(analyzer=syllables, stored=True),
        title_words=PreparedText(analyzer=words, phrase=False),
        title_pairs=PreparedText(analyzer=pairs, phrase=False),
        body=PreparedText(analyzer=syllables, stored=True),
        body_words=PreparedText(analyzer=words, phrase=False),
        body_pairs=PreparedText(analyzer=pairs, phrase=False),
        author=PreparedText(analyzer=syllables, stored=True),
        captions=fields.STORED(),
        # The title's folded words: resolves related titles, and (a column) lets ranking
        # check whole-phrase title matches without loading stored documents.
        title_key=fields.ID(sortable=True),
        date=fields.DATETIME(sortable=True),
        published=fields.STORED(),
        sector=fields.ID(stored=True, sortable=True),
        topics=fields.KEYWORD(stored=True, commas=True, scorable=True),
        derived_topics=fields.KEYWORD(stored=True, commas=True, scorable=True),
        # Given topics, or else derived ones: what facets count, one list a document.
        topic_list=fields.COLUMN(columns.PickleColumn(columns.VarBytesColumn())),
        related=fields.KEYWORD(stored=True, commas=True),
        related_titles=fields.STORED(),
        related_title_keys=fields.KEYWORD(commas=True),
        summary=fields.STORED(),
        url=fields.STORED(),
        content_hash=fields.ID(sortable=True),
        source_hash=fields.ID(sortable=True),
    )
