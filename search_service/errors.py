"""The exceptions of the service, each knowing its exit status and HTTP status.

The CLI and the web app translate them in one place each; anything else that escapes
is a bug.
"""


class SearchServiceError(Exception):
    """Base of every error the service reports to a user."""

    exit_code = 1
    http_status = 500
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRecord(SearchServiceError):
    """An article record or file that cannot be indexed; it is skipped, the rest goes on."""

    exit_code = 2
    http_status = 400
    code = "bad_record"

    def __init__(self, message: str, source: str = "", line: int | None = None):
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message
        self.source = source
        self.line = line


class BadQuery(SearchServiceError):
    """A request parameter that cannot be understood (a bad date, a limit out of range)."""

    exit_code = 2
    http_status = 400
    code = "bad_parameter"


class IndexMissing(SearchServiceError):
    """No index exists where one was expected."""

    exit_code = 3
    http_status = 503
    code = "index_missing"


class SchemaMismatch(SearchServiceError):
    """The index on disk was built by another schema version."""

    exit_code = 3
    http_status = 503
    code = "schema_mismatch"


class IndexDamaged(SearchServiceError):
    """The index on disk is damaged (a file missing, truncated or unreadable): rebuild it."""

    exit_code = 3
    http_status = 503
    code = "index_damaged"


class IndexUnwritable(SearchServiceError):
    """The index folder refused a write (disk full, read-only, a file size limit); the index
    keeps its last commit and still serves reads."""

    exit_code = 6
    http_status = 503
    code = "index_unwritable"


class IndexBusy(SearchServiceError):
    """Another writer holds the index lock for longer than the timeout."""

    exit_code = 4
    http_status = 503
    code = "index_busy"


class ArticleNotFound(SearchServiceError):
    """No article has the requested id."""

    exit_code = 5
    http_status = 404
    code = "not_found"
