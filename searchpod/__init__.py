"""searchpod: full-text search for podcast episodes and their transcripts.

>>> from searchpod import Index
>>> ix = Index.create("index")                        # doctest: +SKIP
>>> ix.add_paths(["data"])                            # doctest: +SKIP
>>> ix.search("north korea", limit=3).hits[0].title   # doctest: +SKIP
"""

from searchpod import legacy
from searchpod.engine import lean_import  # noqa: F401  (first: it decides how Whoosh is imported)
from searchpod.errors import (
    EngineError,
    EpisodeNotFoundError,
    FetchError,
    IndexingCancelled,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
    IngestError,
    OptionError,
    QueryError,
    SearchpodError,
    UnsafeIndexError,
)
from searchpod.index import Index
from searchpod.indexing.progress import (
    Committed,
    EpisodeFailed,
    EpisodeParsed,
    FilesFound,
    ProgressEvent,
)
from searchpod.model import (
    Cue,
    Episode,
    Hit,
    IndexReport,
    IndexStats,
    IngestFailure,
    Moment,
    MomentResults,
    SearchResults,
    Snippet,
)
from searchpod.options import Mode, SearchKeywords, SearchOptions, Sort

__version__ = "0.1.0"

legacy.install()  # class paths pickled into existing indexes (see searchpod.legacy)

__all__ = [
    "Committed",
    "Cue",
    "EngineError",
    "Episode",
    "EpisodeFailed",
    "EpisodeNotFoundError",
    "EpisodeParsed",
    "FetchError",
    "FilesFound",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexStats",
    "IndexVersionError",
    "IndexWriteError",
    "IndexingCancelled",
    "IngestError",
    "IngestFailure",
    "Mode",
    "Moment",
    "MomentResults",
    "OptionError",
    "ProgressEvent",
    "QueryError",
    "SearchKeywords",
    "SearchOptions",
    "SearchResults",
    "SearchpodError",
    "Snippet",
    "Sort",
    "UnsafeIndexError",
    "__version__",
]
