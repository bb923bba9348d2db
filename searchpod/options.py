"""Search options: typed, checked, and parsed from their text forms in one place.

``Index.search`` takes typed values (``since=date(2023, 4, 1)``, ``episodes=range(10, 21)``,
``sort=Sort.NEWEST``) and, for callers written against text (the CLI, an HTTP or MCP
server), the same text forms the command line takes: ``"2023-04"``, ``"10..20"``,
``"newest"``. ``SearchOptions.parse`` is the one function that turns those into typed
options; every mistake is an ``OptionError`` naming the option in the library's terms.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict

from searchpod.errors import OptionError

if TYPE_CHECKING:
    from typing_extensions import Unpack

# Every bound on what one search may ask for, in one place.
MAX_LIMIT = 1000
# A query is bounded by its words (a pasted paragraph is a fair query: CISI's longest
# question has 334) and by the time budget; the characters only bound what the parser reads.
MAX_QUERY_WORDS = 500
MAX_QUERY_CHARS = 8000
# What an HTTP or MCP client (anyone on the network) may ask for in one request; the
# library and the CLI allow ``MAX_LIMIT``.
REQUEST_MAX_LIMIT = 100
REQUEST_MAX_PAGE = 1000
# What an AI assistant is given per MCP call: more hits only fill its context window.
ASSISTANT_MAX_HITS = 50
# Past any real page of results; a larger one only costs work.
MAX_PAGE = 10_000
# Longer option text is a mistake or an attack: parsing and stemming it only costs time.
MAX_OPTION_CHARS = 200
# Episode numbers are small; this many digits keeps int() and the range query cheap.
MAX_EPISODE_DIGITS = 9
EPISODE_MAX = 10**MAX_EPISODE_DIGITS


class Sort(str, enum.Enum):
    """Result order: by relevance, or by publication date (undated episodes last).

    >>> from searchpod import Index, Sort
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> [str(hit.published) for hit in ix.search("keepers", sort=Sort.NEWEST).hits]
    ['2023-11-20', '2021-03-14']
    """

    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


SORTS = tuple(s.value for s in Sort)


class Mode(str, enum.Enum):
    """How a query's words combine: all of them, then most of them when that finds few
    (``AUTO``); only episodes holding all of them (``ALL``); or any of them (``ANY``).

    >>> from searchpod import Index
    >>> from searchpod.options import Mode
    >>> ix = Index.create("my-index")
    >>> _ = ix.add_paths(["episodes/"])
    >>> ix.search("octopus lighthouse", mode=Mode.ALL).total
    0
    >>> ix.search("octopus lighthouse", mode=Mode.ANY).total
    2
    """

    AUTO = "auto"
    ALL = "all"
    ANY = "any"


MODES = tuple(m.value for m in Mode)


class SearchKeywords(TypedDict, total=False):
    """``Index.search``/``Index.moments`` keyword arguments: typed values or their text forms.

    ``episode`` is ``episodes``' older name; ``all=True``/``any=True`` say ``mode``.

    >>> from searchpod import SearchKeywords, SearchOptions
    >>> wanted: SearchKeywords = {"limit": 3, "episodes": "10..20", "all": True}
    >>> SearchOptions.parse(**wanted).mode.value
    'all'
    """

    limit: int
    page: int
    sort: Sort | str
    host: str | None
    show: str | None
    speaker: str | None
    since: dt.date | str | None
    until: dt.date | str | None
    episodes: range | int | str | None
    episode: str | None
    facets: bool
    fuzzy: bool
    all: bool
    any: bool
    mode: Mode | str


@dataclass(frozen=True)
class SearchOptions:
    """The options of one search, checked and typed (see ``SearchOptions.parse``).

    >>> from searchpod import SearchOptions
    >>> SearchOptions.parse(limit=5, since="2023").since
    datetime.date(2023, 1, 1)
    """

    limit: int = 10
    page: int = 1
    sort: Sort = Sort.RELEVANCE
    host: str | None = None
    show: str | None = None
    speaker: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    episodes: range | None = None
    facets: bool = False
    fuzzy: bool = False
    mode: Mode = Mode.AUTO

    @classmethod
    def parse(cls, **keywords: Unpack[SearchKeywords]) -> SearchOptions:
        """Check typed values and parse text forms; raises OptionError on the first mistake.

        >>> SearchOptions.parse(since="2023-04", episodes="10..20").episodes
        range(10, 21)
        """
        unknown = set(keywords) - set(SearchKeywords.__annotations__)
        if unknown:
            name = sorted(unknown)[0]
            raise OptionError(name, keywords[name], "is not a search option")  # type: ignore[literal-required]
        k: dict[str, Any] = dict(keywords)
        episodes = k.get("episodes")
        return cls(
            limit=_whole("limit", k.get("limit", 10), 1, MAX_LIMIT),
            page=_whole("page", k.get("page", 1), 1, MAX_PAGE),
            sort=parse_sort(k.get("sort", Sort.RELEVANCE)),
            host=_words("host", k.get("host")),
            show=_words("show", k.get("show")),
            speaker=_words("speaker", k.get("speaker")),
            since=parse_date(k.get("since"), option="since", end=False),
            until=parse_date(k.get("until"), option="until", end=True),
            episodes=parse_episodes(episodes if episodes is not None else k.get("episode")),
            facets=_flag("facets", k.get("facets", False)),
            fuzzy=_flag("fuzzy", k.get("fuzzy", False)),
            mode=mode_of(
                all=k.get("all", False), any=k.get("any", False), mode=k.get("mode", Mode.AUTO)
            ),
        )

    def with_keywords(self, **keywords: Unpack[SearchKeywords]) -> SearchOptions:
        """These options with some changed (checked like ``parse``)."""
        if not keywords:
            return self
        merged: dict[str, Any] = {**self.keywords(), **keywords}
        if "episode" in keywords:
            merged.pop("episodes")
        if "all" in keywords or "any" in keywords:
            merged.pop("mode")
        return SearchOptions.parse(**merged)

    def keywords(self) -> dict[str, Any]:
        """These options as ``Index.search`` keyword arguments (typed values)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def in_flags(exc: OptionError) -> OptionError:
    """``exc`` naming the command line's flag (``--episode``), not the library's option
    (``episodes``): for the HTTP and MCP servers, whose parameters are the flags' names."""
    flag = "--episode" if exc.option == "episodes" else f"--{exc.option}"
    return OptionError(flag, exc.value, exc.reason)


def _whole(option: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(option, value, "must be a whole number")
    if not lo <= value <= hi:
        raise OptionError(option, value, f"must be between {lo} and {hi}")
    return value


def _flag(option: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise OptionError(option, value, "must be True or False")
    return value


def _text(option: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise OptionError(option, value, "must be text")
    if len(value) > MAX_OPTION_CHARS:
        raise OptionError(option, value, f"is longer than {MAX_OPTION_CHARS} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise OptionError(option, value, "holds characters that are not valid Unicode") from None
    return value


def _words(option: str, value: Any) -> str | None:
    text = _text(option, value)
    return text if text and text.strip() else None


def parse_sort(value: Any) -> Sort:
    """A ``Sort``, or its name ("relevance", "newest", "oldest")."""
    try:
        return Sort(value)
    except (ValueError, TypeError):
        raise OptionError("sort", value, f"must be one of {', '.join(SORTS)}") from None


def parse_mode(value: Any) -> Mode:
    """A ``Mode``, or its name ("auto", "all", "any")."""
    try:
        return Mode(value)
    except (ValueError, TypeError):
        raise OptionError("mode", value, f"must be one of {', '.join(MODES)}") from None


def mode_of(*, all: Any = False, any: Any = False, mode: Any = Mode.AUTO) -> Mode:
    """The mode that ``Index.search``'s ``all=``/``any=`` flags (or ``mode=``) ask for."""
    if _flag("all", all) and _flag("any", any):
        raise OptionError("all", all, "choose one of all and any")
    if all or any:
        chosen = Mode.ALL if all else Mode.ANY
        if parse_mode(mode) not in (Mode.AUTO, chosen):
            raise OptionError("mode", mode, f"contradicts {chosen.value}=True")
        return chosen
    return parse_mode(mode)


def parse_date(value: Any, *, option: str, end: bool) -> dt.date | None:
    """A date, or text: 2023, 2023-04 or 2023-04-30 (as a bound, the year or month's
    first day, or with ``end`` its last day)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    text = _text(option, value)
    if not text:
        return None
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            y, m = map(int, text.split("-"))
            if not end:
                return dt.date(y, m, 1)
            if not 1 <= m <= 12:
                raise ValueError(m)
            return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OptionError(option, value, "takes a date like 2023, 2023-04 or 2023-04-30") from None


def parse_episodes(value: Any) -> range | None:
    """Episode numbers: a ``range``, a number, or text: 12, 10..20, 10-20, 10.. or ..20."""
    if value is None or isinstance(value, range):
        if value is not None and (value.step != 1 or value.start < 0):
            raise OptionError("episodes", value, "must be a range of episode numbers, step 1")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return range(value, value + 1) if 0 <= value < EPISODE_MAX else _bad_episodes(value)
    text = _text("episodes", value)
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d*)\s*(?:(\.\.|-)\s*(\d*))?\s*", text)
    if not m or not (m.group(1) or m.group(3)):
        _bad_episodes(value)
    if any(len(g or "") > MAX_EPISODE_DIGITS for g in (m.group(1), m.group(3))):
        raise OptionError("episodes", value, f"numbers have at most {MAX_EPISODE_DIGITS} digits")
    lo = int(m.group(1)) if m.group(1) else 0
    hi = int(m.group(3)) if m.group(3) else (EPISODE_MAX if m.group(2) else lo)
    return range(lo, hi + 1)


def _bad_episodes(value: Any) -> NoReturn:
    raise OptionError("episodes", value, "takes a number or a range like 10..20, 10.. or ..20")
