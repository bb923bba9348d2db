"""searchpod's exceptions: one base class, a few kinds, each message fit for one line.

Engine exceptions (Whoosh, BeautifulSoup, the network) are converted where they are
raised and chained with ``from exc``; callers only ever need to catch these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searchpod.model import IndexReport


class SearchpodError(Exception):
    """Base class of every error searchpod raises on purpose.

    >>> from searchpod import Index, SearchpodError
    >>> try:
    ...     Index("no-index-here")
    ... except SearchpodError as exc:
    ...     print(type(exc).__name__)
    IndexNotFoundError
    """


class IngestError(SearchpodError):
    """A source file or URL could not be turned into an episode.

    >>> from searchpod import IngestError
    >>> print(IngestError("show/bad.vtt", "no cues found"))
    show/bad.vtt: no cues found
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class QueryError(SearchpodError):
    """A query (or a search option) is malformed or too expensive to run.

    >>> from searchpod import Index, QueryError
    >>> try:
    ...     Index.create("my-index").search("title:(unclosed")
    ... except QueryError as exc:
    ...     print(exc.query)
    title:(unclosed
    """

    def __init__(self, query: str, reason: str) -> None:
        super().__init__(f"bad query {query!r}: {reason}")
        self.query = query
        self.reason = reason


class IndexNotFoundError(SearchpodError):
    """There is no searchpod index at the given path.

    >>> from searchpod import Index, IndexNotFoundError
    >>> try:
    ...     Index("no-index-here")
    ... except IndexNotFoundError as exc:
    ...     print(exc)
    no index at no-index-here: run 'searchpod index' to build one
    """

    def __init__(self, path: str) -> None:
        super().__init__(f"no index at {path}: run 'searchpod index' to build one")
        self.path = path


class IndexVersionError(SearchpodError):
    """The index was built by an incompatible searchpod version.

    >>> from searchpod import IndexVersionError
    >>> print(IndexVersionError("my-index", found=1, expected=2))
    index at my-index has schema version 1, this searchpod needs 2: run 'searchpod index --rebuild'
    """

    def __init__(self, path: str, found: object, expected: object) -> None:
        super().__init__(
            f"index at {path} has schema version {found}, this searchpod needs {expected}: "
            "run 'searchpod index --rebuild'"
        )
        self.path = path


class IndexLockedError(SearchpodError):
    """Another process is writing to the index and did not finish in time.

    >>> from searchpod import IndexLockedError
    >>> print(IndexLockedError("my-index", 60.0))
    index at my-index is being written by another process (waited 60s); try again when it finishes
    """

    def __init__(self, path: str, waited: float) -> None:
        super().__init__(
            f"index at {path} is being written by another process "
            f"(waited {waited:g}s); try again when it finishes"
        )
        self.path = path


class EpisodeNotFoundError(SearchpodError):
    """No episode with the given id is in the index.

    >>> from searchpod import EpisodeNotFoundError, Index
    >>> try:
    ...     Index.create("my-index").get("episodes/eps-99.txt")
    ... except EpisodeNotFoundError as exc:
    ...     print(exc)
    no episode with id 'episodes/eps-99.txt' in the index
    """

    def __init__(self, episode_id: str) -> None:
        super().__init__(f"no episode with id {episode_id!r} in the index")
        self.id = episode_id


class FetchError(SearchpodError):
    """A feed or transcript URL could not be fetched.

    >>> from searchpod import FetchError
    >>> print(FetchError("https://example.com/feed.xml", "HTTP 404"))
    https://example.com/feed.xml: HTTP 404
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.source = url
        self.reason = reason


class OptionError(QueryError):
    """A search option has a value it cannot take (``.option`` names it).

    >>> from searchpod import Index, OptionError
    >>> try:
    ...     Index.create("my-index").search("keepers", page=0)
    ... except OptionError as exc:
    ...     print(exc.option)
    page
    """

    def __init__(self, option: str, value: object, reason: str) -> None:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "…"
        SearchpodError.__init__(self, f"{option} {shown}: {reason}")
        self.query = str(value)
        self.option = option
        self.value = value
        self.reason = reason


class UnsafeIndexError(SearchpodError):
    """The index directory holds something searchpod will not follow or open.

    >>> from searchpod import UnsafeIndexError
    >>> print(UnsafeIndexError("my-index", "write.lock is a symbolic link"))
    refusing the index at my-index: write.lock is a symbolic link
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"refusing the index at {path}: {reason}")
        self.path = path
        self.reason = reason


class IndexWriteError(SearchpodError):
    """The index could not be written (e.g. the disk is full); it keeps its last commit.

    >>> from searchpod import IndexWriteError
    >>> print(IndexWriteError("my-index", "no space left on device"))
    no space left on device while writing my-index (the index keeps its last commit)
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{reason} while writing {path} (the index keeps its last commit)")
        self.path = path
        self.reason = reason


class EngineError(SearchpodError):
    """The search engine failed reading the index: a bug or a damaged index, not a bad query.

    Raised by the engine layer, which turns whatever its library raised into this one
    error (the original is its ``__cause__``).

    >>> from searchpod import EngineError, SearchpodError
    >>> error = EngineError("search 'fog'", IndexError("array index out of range"))
    >>> isinstance(error, SearchpodError), str(error)  # doctest: +ELLIPSIS
    (True, "search 'fog': the search engine failed (IndexError: ...); please report this")
    """

    def __init__(self, what: str, exc: BaseException) -> None:
        super().__init__(
            f"{what}: the search engine failed ({type(exc).__name__}: {exc}); please report this"
        )
        self.what = what


class IndexingCancelled(SearchpodError):
    """``Index.build`` was cancelled (its ``cancel`` token set): no index was published.

    ``add_paths`` and ``sync_feeds`` return a report with ``cancelled=True`` instead; a
    build has no index to return. ``report`` says what was found before it stopped.

    >>> import threading
    >>> from searchpod import Index, IndexingCancelled
    >>> cancel = threading.Event()
    >>> cancel.set()  # from any thread, at any time: the build stops at its next safe point
    >>> try:
    ...     Index.build("new-index", ["episodes/"], cancel=cancel)
    ... except IndexingCancelled as exc:
    ...     print(exc.report.cancelled)
    True
    """

    def __init__(self, path: str, report: IndexReport) -> None:
        super().__init__(f"building {path} was cancelled: no index was published")
        self.path = path
        self.report = report
