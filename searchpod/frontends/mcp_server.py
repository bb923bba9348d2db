"""``searchpod mcp``: the index as read-only Model Context Protocol tools, served over stdio.

An assistant pays for every token it reads, so answers are compact JSON: empty fields left
out, episode metadata once per hit, a few snippets each, times as ``HH:MM:SS`` plus seconds.
Anything searchpod itself raises (a bad query, an unknown id, no index yet) comes back as a
tool error with its one-line message; the server keeps serving.
"""

from __future__ import annotations

import functools
import inspect
import json
import threading
from bisect import bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from searchpod import __version__
from searchpod.errors import EpisodeNotFoundError, OptionError, SearchpodError
from searchpod.index import Index
from searchpod.model import Cue, Episode, Hit, MomentResults, SearchResults, Snippet
from searchpod.options import ASSISTANT_MAX_HITS, SearchOptions, in_flags
from searchpod.query.snippets import MAX_SNIPPETS
from searchpod.text.highlight import format_time, mark

MAX_TRANSCRIPT_CHARS = 20_000
AROUND_S = 60.0  # read_transcript(around=T) reads T-60 s to T+60 s
LINE_S = 15.0  # a transcript line gathers one speaker's cues spanning up to this long
MAX_NAMES = 100  # shows or hosts listed by list_shows and in facets

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

INSTRUCTIONS = """\
searchpod searches podcast episodes and their transcripts: which episode, and when.
Typical use: `search` with a few distinctive words, then `read_transcript` around a snippet's
seconds to read what was said, `get_episode` for an episode's details, `list_shows` to see
what the index holds. Answers are compact JSON; quote times as HH:MM:SS and give the links."""


# Parameters that search and moments share, described once.
Query = Annotated[str, Field(description="Query in the language of the search tool.")]
Show = Annotated[str | None, Field(description="Only this show (words of its name).")]
Host = Annotated[str | None, Field(description="Only episodes with this host.")]
Speaker = Annotated[str | None, Field(description="Only episodes where this speaker talks.")]
Since = Annotated[
    str | None, Field(description="Published on or after: 2023, 2023-04 or 2023-04-30.")
]
Until = Annotated[
    str | None, Field(description="Published on or before: 2023, 2023-04 or 2023-04-30.")
]
EpisodeRange = Annotated[
    str | None, Field(description="Episode number or range: 12, 10..20, 10.., ..20.")
]
Sort = Literal["relevance", "newest", "oldest"]
Page = Annotated[int, Field(ge=1)]
Fuzzy = Annotated[bool, Field(description="Also match near spellings.")]
WordMode = Annotated[
    Literal["auto", "all", "any"],
    Field(
        description="auto: every word, then most of them when that finds few; "
        "all: only episodes with every word; any: episodes with any of them."
    ),
]


def search_options(
    *,
    limit: int,
    page: int,
    sort: str,
    host: str | None,
    show: str | None,
    speaker: str | None,
    since: str | None,
    until: str | None,
    episode: str | None,
    fuzzy: bool,
    facets: bool,
    mode: str = "auto",
) -> SearchOptions:
    """The search tool's arguments as ``SearchOptions``: the one place
    where the tool's argument types meet the library's (parsed by ``SearchOptions.parse``;
    a mistake names the CLI's flag, as the tool's arguments are the flags' names)."""
    try:
        options = SearchOptions.parse(
            limit=limit,
            page=page,
            sort=sort,
            host=host,
            show=show,
            speaker=speaker,
            since=since,
            until=until,
            episodes=episode,
            fuzzy=fuzzy,
            facets=facets,
            mode=mode,
        )
    except OptionError as exc:
        raise in_flags(exc) from None
    return options


def _answers(tool: Callable[..., dict[str, Any]]) -> Callable[..., str]:
    """A tool answering compact JSON, with searchpod's errors turned into tool errors."""

    @functools.wraps(tool)
    def answer(*args: Any, **kwargs: Any) -> str:
        try:
            data = tool(*args, **kwargs)
        except SearchpodError as exc:
            raise ToolError(str(exc)) from exc
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    return answer


class IndexTools:
    """The tools, over the index at ``path``: opened on first use, so the server can start
    before the index exists, and then kept (``Index`` follows every later commit).

    One more tool is one more method with ``@_answers`` and its name in ``TOOLS``.
    """

    TOOLS = ("search", "moments", "get_episode", "read_transcript", "list_shows")

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._index: Index | None = None
        self._lock = threading.Lock()

    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index(self.path)
            return self._index

    def episode(self, episode_id: str) -> Episode:
        """The episode, or a tool error that shows what an id looks like."""
        ix = self.index()
        try:
            return ix.get(episode_id)
        except EpisodeNotFoundError:
            raise ToolError(_unknown_id(ix, episode_id)) from None

    @_answers
    def search(
        self,
        query: Query,
        show: Show = None,
        host: Host = None,
        speaker: Speaker = None,
        since: Since = None,
        until: Until = None,
        episode: EpisodeRange = None,
        sort: Sort = "relevance",
        limit: Annotated[
            int, Field(ge=1, description=f"Hits per page (at most {ASSISTANT_MAX_HITS}).")
        ] = 10,
        page: Page = 1,
        snippets: Annotated[
            int, Field(ge=0, le=MAX_SNIPPETS, description="Snippets per hit, best first.")
        ] = 2,
        fuzzy: Fuzzy = False,
        facets: Annotated[bool, Field(description="Count all matches per show and host.")] = False,
        mode: WordMode = "auto",
    ) -> dict[str, Any]:
        """Find podcast episodes, and the moments in them, where something was said.

        Query language: words are ANDed (every word must occur; when that finds few, episodes
        with most of them follow, flagged `relaxed`) and matched by stem: distinctive words
        work best, a question works too.
          "into this one"   a line as said, stop words included;  "north korea"~3  3 words between
          a OR b,  a NOT b,  (a OR b) c   boolean logic
          title:korea  host:alvarez  summary:…  body:…  show:…  speaker:"Felix Grant"   one field
          episode:>100  episode:[10 TO 20]  published:2023  published:[2023-01 TO 2023-06]
          influen*   prefix;   defecters~   near spelling
        Each hit is an episode (metadata once) with its best snippets: **matched** words, time
        as HH:MM:SS and seconds, speaker, and a link to that moment when the episode has a URL.
        """
        notes: list[str] = []
        limit = _capped(limit, notes)
        results = self.index().search(
            query,
            search_options(
                limit=limit,
                page=page,
                sort=sort,
                host=host,
                show=show,
                speaker=speaker,
                since=since,
                until=until,
                episode=episode,
                fuzzy=fuzzy,
                facets=facets,
                mode=mode,
            ),
        )
        return _results(results, snippets, notes)

    @_answers
    def moments(
        self,
        query: Query,
        show: Show = None,
        host: Host = None,
        speaker: Speaker = None,
        since: Since = None,
        until: Until = None,
        episode: EpisodeRange = None,
        sort: Sort = "relevance",
        limit: Annotated[
            int, Field(ge=1, description=f"Moments per page (at most {ASSISTANT_MAX_HITS}).")
        ] = 10,
        page: Page = 1,
        fuzzy: Fuzzy = False,
        mode: WordMode = "auto",
    ) -> dict[str, Any]:
        """The best moments across episodes: passages (about 200 characters) where the
        query's words were said together, each with its time as HH:MM:SS and seconds, its
        speaker, **matched** words and a link to that moment. Same query language and
        filters as search; use it to answer "when did they say X". Episodes' details are
        listed once under `episodes`, keyed by the id each moment names."""
        notes: list[str] = []
        limit = _capped(limit, notes)
        options = search_options(
            limit=limit,
            page=page,
            sort=sort,
            host=host,
            show=show,
            speaker=speaker,
            since=since,
            until=until,
            episode=episode,
            fuzzy=fuzzy,
            facets=False,
            mode=mode,
        )
        return _moment_results(self.index().moments(query, options), notes)

    @_answers
    def get_episode(
        self, episode_id: Annotated[str, Field(description="An episode id from search.")]
    ) -> dict[str, Any]:
        """An episode's details: title, show, number, host, date, summary, links, page metadata,
        and what its transcript holds (length, duration, speakers)."""
        episode = self.episode(episode_id)
        data = _compact(episode.to_dict(), drop=("cues",))
        data["transcript"] = _transcript_facts(episode)
        return data

    @_answers
    def read_transcript(
        self,
        episode_id: Annotated[str, Field(description="An episode id from search.")],
        start: Annotated[float | None, Field(ge=0, description="From this second.")] = None,
        end: Annotated[float | None, Field(ge=0, description="Up to this second.")] = None,
        around: Annotated[
            float | None,
            Field(ge=0, description=f"Read {AROUND_S:g} s either side of this second."),
        ] = None,
        max_chars: Annotated[
            int, Field(ge=100, description=f"Length cap (at most {MAX_TRANSCRIPT_CHARS}).")
        ] = 4000,
    ) -> dict[str, Any]:
        """Read part of an episode's transcript, in lines of `[HH:MM:SS] Speaker: text`
        (one speaker's cues, spanning up to 15 s unless one cue is longer; the speaker named
        when it changes). Give start/end seconds, or around=a snippet's seconds: the lines
        either side of it, the line said then always included. With neither it reads from
        the beginning. When the text is cut at max_chars, `next_start` says where to
        continue."""
        notes = []
        if max_chars > MAX_TRANSCRIPT_CHARS:
            notes.append(f"max_chars {max_chars} is more than {MAX_TRANSCRIPT_CHARS}: capped")
            max_chars = MAX_TRANSCRIPT_CHARS
        if around is not None:
            start, end = max(0.0, around - AROUND_S), around + AROUND_S
        if start is not None and end is not None and end < start:
            raise ToolError(f"end ({end:g} s) is before start ({start:g} s)")
        episode = self.episode(episode_id)
        data: dict[str, Any] = {"id": episode.id, "title": episode.title}
        link_base = episode.media_url or episode.url
        timed = [c for c in episode.cues if c.start is not None]
        if not episode.cues:
            notes.append("no transcript: this is the episode page's text")
            text, cut = _cut(episode.body, max_chars)
        elif not timed:
            if start is not None or end is not None:
                notes.append("this transcript has no times: reading from its beginning")
            text, cut = _cut("\n".join(line for _, line in _lines(episode.cues)), max_chars)
        else:
            lo, hi = start or 0.0, end if end is not None else float("inf")
            window = [c for c in timed if _until(c) >= lo]
            window = [c for c in window if _begin(c) < hi]
            grouped = _lines(window)
            if around is not None:
                # Centred on the asked second: its line first, then lines either side.
                first, last = _centre(grouped, window, around, max_chars)
            else:
                first, last = 0, len(_fit(grouped, max_chars))
            lines = grouped[first:last]
            # Only a single line longer than max_chars is cut here.
            text, cut = _cut("\n".join(line for _, line in lines), max_chars)
            skipped = sum(count for count, _ in grouped[:first])
            shown = sum(count for count, _ in lines)
            if window:
                data.update(_moment("start", _begin(window[skipped]), link_base))
            else:
                last_end = max(_until(c) for c in timed)
                notes.append(f"no transcript in that time: it runs to {_hms(last_end)}")
            if skipped + shown < len(window):
                cut = True
                data["next_start"] = window[skipped + shown].start
        data["text"] = text
        if cut:
            notes.append(f"cut at max_chars={max_chars}")
        if notes:
            data["notes"] = notes
        return data

    @_answers
    def list_shows(self) -> dict[str, Any]:
        """What the index holds: episode counts, per show and per host (most episodes first)."""
        stats = self.index().stats()
        notes: list[str] = []
        data: dict[str, Any] = {
            "episodes": stats.episodes,
            "timed_episodes": stats.timed_episodes,
            "shows": _top("shows", stats.shows, notes),
            "hosts": _top("hosts", stats.hosts, notes),
        }
        if notes:
            data["notes"] = notes
        return data


def build_server(index_path: str | Path) -> MCPServer:
    """An MCP server whose tools read the index at ``index_path``."""
    tools = IndexTools(index_path)
    server = _Server(
        "searchpod", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    for name in tools.TOOLS:
        fn = getattr(tools, name)
        server.add_tool(
            fn,
            description=inspect.cleandoc(fn.__doc__ or ""),
            annotations=READ_ONLY,
            structured_output=False,
        )
    return server


def serve(index_path: str | Path) -> None:
    """Serve the index over stdio until the client closes the connection."""
    import anyio

    from searchpod.frontends.mcp_stdio import serve_stdio

    # The SDK's stdio transport, with an answer for each line it cannot read (see there).
    anyio.run(serve_stdio, build_server(Path(index_path).resolve()))


class _Server(MCPServer):
    """The SDK's server, with rejected arguments told in one line of searchpod's words."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(argument_problem(name, exc.__cause__)) from exc.__cause__
            raise


def argument_problem(tool: str, error: ValidationError) -> str:
    """A tool's rejected arguments in one line: pydantic's own text is four lines per
    mistake, with a link, and speaks of its own types (``searchArguments``)."""
    problems = [_argument_problem(e) for e in error.errors(include_url=False)]
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"Error executing tool {tool}: " + "; ".join(problems[:3]) + more


_NEEDS = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "string_unicode": "must be valid Unicode text",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "missing": "is required",
    "missing_argument": "is required",
    "extra_forbidden": "is not an argument of this tool",
    "unexpected_keyword_argument": "is not an argument of this tool",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _argument_problem(error: Any) -> str:
    name = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        need = f"must be {words} {context.get(key, '?')}"
    elif kind == "literal_error":
        need = f"must be one of {context.get('expected', '?')}"
    else:
        need = _NEEDS.get(kind) or str(error.get("msg") or "is not valid").splitlines()[0]
    if kind in ("missing", "missing_argument") or "input" not in error:
        return f"{name} {need}"
    shown = repr(error["input"])  # repr: one line, control characters escaped
    return f"{name} {need} (got {shown if len(shown) <= 40 else shown[:39] + '…'})"


def _unknown_id(ix: Index, episode_id: str) -> str:
    """ "no episode with id …", with ids that end with the one given, or else an example."""
    ids = [e.id for e in ix.catalogue().episodes]
    wanted = episode_id.strip().lower()
    near = [i for i in ids if wanted and i.lower().rsplit("/", 1)[-1].startswith(wanted)][:3]
    message = f"no episode with id {episode_id[:80]!r} in the index"
    if near:
        return f"{message}; did you mean {' or '.join(repr(i) for i in near)}?"
    if ids:
        return f"{message}; ids are the `id` of search hits, like {ids[0]!r}"
    return f"{message}; the index holds no episodes"


def _capped(limit: int, notes: list[str]) -> int:
    """``limit``, at most ``ASSISTANT_MAX_HITS``; a note when it was more."""
    if limit > ASSISTANT_MAX_HITS:
        notes.append(
            f"limit {limit} is more than {ASSISTANT_MAX_HITS}: showing {ASSISTANT_MAX_HITS} per page"
        )
    return min(limit, ASSISTANT_MAX_HITS)


def _results(results: SearchResults, snippets: int, notes: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"total": results.total, "page": results.page}
    if results.page * results.limit < results.total:
        data["next_page"] = results.page + 1
    data["hits"] = [_hit(h, snippets) for h in results.hits]
    if results.suggestion:
        data["did_you_mean"] = results.suggestion
    if results.fuzzy:
        data["fuzzy"] = True
    if results.relaxed:
        data["relaxed"] = True
    if results.facets:
        data["facets"] = {k: _top(k, v, notes) for k, v in results.facets.items()}
    notes = [*notes, *results.warnings]
    if notes:
        data["notes"] = notes
    return data


def _moment_results(found: MomentResults, notes: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"total": found.total, "page": found.page}
    if not found.total_exact:
        data["total_exact"] = False  # an estimate: the query's words are said everywhere
    if found.page * found.limit < found.total:
        data["next_page"] = found.page + 1
    episodes: dict[str, Any] = {}
    moments = []
    for m in found.moments:
        episodes.setdefault(
            m.id,
            _compact(
                {
                    "title": m.title,
                    "show": m.show,
                    "episode": m.episode,
                    "published": m.published.isoformat() if m.published else None,
                }
            ),
        )
        said = _moment("time", m.start, None) if m.start is not None else {}
        said.update(id=m.id, speaker=m.speaker, text=mark(m.text, m.highlights, "**", "**"))
        said["link"] = m.link
        moments.append(_compact(said))
    data["episodes"] = episodes
    data["moments"] = moments
    if found.suggestion:
        data["did_you_mean"] = found.suggestion
    if found.fuzzy:
        data["fuzzy"] = True
    if found.relaxed:
        data["relaxed"] = True
    notes = [*notes, *found.warnings]
    if notes:
        data["notes"] = notes
    return data


def _hit(hit: Hit, snippets: int) -> dict[str, Any]:
    data = _compact(
        {
            "id": hit.id,
            "title": hit.title,
            "show": hit.show,
            "episode": hit.episode,
            "host": hit.host,
            "published": hit.published.isoformat() if hit.published else None,
            "url": hit.url,
            "snippets": [_snippet(s) for s in hit.snippets[:snippets]],
        }
    )
    if not hit.snippets and hit.summary:
        data["summary"] = hit.summary  # the match was in the title or summary
    return data


def _snippet(snippet: Snippet) -> dict[str, Any]:
    data: dict[str, Any] = _moment("time", snippet.start, None) if snippet.start is not None else {}
    data["speaker"] = snippet.speaker
    data["text"] = mark(snippet.text, snippet.highlights, "**", "**")
    data["link"] = snippet.link
    return _compact(data)


def _moment(key: str, seconds: float, link_base: str | None) -> dict[str, Any]:
    """``{key: "HH:MM:SS", "seconds": …}``, plus a link to that moment when there is a URL."""
    data: dict[str, Any] = {key: _hms(seconds), "seconds": round(seconds, 1)}
    if link_base:
        data["link"] = f"{link_base}#t={int(seconds)}"
    return data


def _top(name: str, counts: dict[str, int], notes: list[str]) -> dict[str, int]:
    """The ``MAX_NAMES`` largest counts, largest first; a note when there were more."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > MAX_NAMES:
        notes.append(f"{name}: the {MAX_NAMES} with most episodes of {len(ranked)}")
    return dict(ranked[:MAX_NAMES])


def _begin(cue: Cue) -> float:
    """A timed cue's start (only asked of cues that have one)."""
    assert cue.start is not None
    return cue.start


def _until(cue: Cue) -> float:
    """Where a timed cue ends: its end, or else its start."""
    return cue.end if cue.end is not None else _begin(cue)


def _hms(seconds: float) -> str:
    return format_time(seconds).strip("[]")


def _compact(data: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """``data`` without empty fields (None, "", [], {}) or the keys in ``drop``."""
    return {k: v for k, v in data.items() if k not in drop and v not in (None, "", [], {})}


def _transcript_facts(episode: Episode) -> dict[str, Any]:
    maybe_ends = [c.end if c.end is not None else c.start for c in episode.cues]
    ends = [t for t in maybe_ends if t is not None]
    speakers = dict.fromkeys(c.speaker for c in episode.cues if c.speaker)
    data: dict[str, Any] = {"cues": len(episode.cues), "chars": len(episode.body)}
    if ends:
        data.update(duration=_hms(max(ends)), seconds=round(max(ends), 1))
    if speakers:
        data["speakers"] = list(speakers)
    return data


def _lines(cues: Sequence[Cue]) -> list[tuple[int, str]]:
    """``[HH:MM:SS] Speaker: text`` lines, each with the number of cues it holds.

    One speaker's timed cues share a line while it spans at most ``LINE_S`` seconds, start
    of its first cue to end of its last (on real Whisper transcripts a label on every cue
    made a 4,000-character read cover ~15% less talk); a single longer cue is a line of its
    own. The speaker is named only when it changes.
    """
    out: list[tuple[int, str]] = []
    speaker = None
    line_start: float | None = None
    for cue in cues:
        if (
            out
            and cue.start is not None
            and line_start is not None
            and _until(cue) - line_start <= LINE_S
            and cue.speaker in (None, speaker)
        ):
            count, line = out[-1]
            out[-1] = (count + 1, f"{line} {cue.text}")
            continue
        label = f"[{_hms(cue.start)}] " if cue.start is not None else ""
        if cue.speaker and cue.speaker != speaker:
            label += f"{cue.speaker}: "
        speaker = cue.speaker or speaker
        line_start = cue.start
        out.append((1, label + cue.text))
    return out


def _centre(
    lines: list[tuple[int, str]], cues: Sequence[Cue], at: float, max_chars: int
) -> tuple[int, int]:
    """``(first, last)``: the run of ``lines`` around the one said at ``at`` that fits in
    ``max_chars``, growing a line after, then a line before, in turn."""
    if not lines:
        return 0, 0
    starts, seen = [], 0
    for count, _ in lines:
        starts.append(_begin(cues[seen]))
        seen += count
    middle = max(0, bisect_right(starts, at) - 1)
    first, last = middle, middle + 1
    used = len(lines[middle][1]) + 1
    grew = True
    while grew:
        grew = False
        for side in ("after", "before"):
            i = last if side == "after" else first - 1
            if 0 <= i < len(lines) and used + len(lines[i][1]) + 1 <= max_chars:
                used += len(lines[i][1]) + 1
                first, last = (first, last + 1) if side == "after" else (first - 1, last)
                grew = True
    return first, last


def _fit(lines: list[tuple[int, str]], max_chars: int) -> list[tuple[int, str]]:
    """The longest run of ``lines`` that fits in ``max_chars`` (at least one line)."""
    used = 0
    for i, (_, line) in enumerate(lines):
        used += len(line) + 1
        if used > max_chars and i > 0:
            return lines[:i]
    return lines


def _cut(text: str, max_chars: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= max_chars else (text[: max_chars - 1] + "…", True)
