"""Rendering of results, episodes and reports for people: styled on a terminal, plain in pipes.

Renderers build ``Styled`` lines; a ``PlainConsole`` writes their text as is (one line each,
never wrapped, so ``grep`` and ``cut`` see whole snippets), and a ``RichConsole`` styles them
with rich, which also honours NO_COLOR. rich is imported only for a terminal: piped output
and scripts don't pay its ~35 ms import.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from searchpod.index import IndexStats
from searchpod.model import Episode, Hit, IndexReport, SearchResults
from searchpod.query.moments import MomentResults
from searchpod.text.highlight import format_time, mark
from searchpod.text.safe import escape_html, safe_url, terminal_safe

MATCH_STYLE = "bold underline yellow"


class Styled:
    """Text with styled character ranges (rich style strings)."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.text = text
        self.spans: list[tuple[int, int, str]] = [(0, len(text), style)] if style and text else []

    def append(self, text: str, style: str = "") -> Styled:
        if style and text:
            self.spans.append((len(self.text), len(self.text) + len(text), style))
        self.text += text
        return self

    def append_text(self, other: Styled) -> Styled:
        shift = len(self.text)
        self.spans.extend((s + shift, e + shift, style) for s, e, style in other.spans)
        self.text += other.text
        return self

    def stylize(self, style: str, start: int, end: int) -> Styled:
        self.spans.append((start, end, style))
        return self

    def __str__(self) -> str:
        return self.text

    def terminal_safe(self) -> Styled:
        """This line with control characters shown as escapes, its styles kept in place.

        Titles, ids, names and file names come from other people's files: a newline in one
        must not forge a second line, nor an ESC sequence recolour the terminal.
        """
        if terminal_safe(self.text) == self.text:
            return self
        # Where each character of the old text starts in the new one.
        starts = [0]
        pieces = []
        for char in self.text:
            piece = terminal_safe(char)
            pieces.append(piece)
            starts.append(starts[-1] + len(piece))
        out = Styled("".join(pieces))
        out.spans = [(starts[s], starts[e], style) for s, e, style in self.spans]
        return out


def _safe_line(line: Styled | str) -> Styled | str:
    return line.terminal_safe() if isinstance(line, Styled) else terminal_safe(line)


class Console(Protocol):
    is_terminal: bool

    def print(self, line: Styled | str = "") -> None: ...


class PlainConsole:
    """Writes text only: for pipes, files and scripts."""

    is_terminal = False

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr

    def print(self, line: Styled | str = "") -> None:
        # Looked up per call so click's test runner, which swaps sys.stdout, sees the output.
        stream = sys.stderr if self._stderr else sys.stdout
        stream.write(f"{_safe_line(line)}\n")
        stream.flush()


class RichConsole:
    """Styles lines with rich: for terminals."""

    is_terminal = True

    def __init__(self, *, stderr: bool = False) -> None:
        from rich.console import Console as _RichConsole

        self.rich: Any = _RichConsole(stderr=stderr, highlight=False)

    def print(self, line: Styled | str = "") -> None:
        from rich.text import Text

        line = _safe_line(line)
        if isinstance(line, Styled):
            text = Text(line.text)
            for start, end, style in line.spans:
                text.stylize(style, start, end)
            self.rich.print(text)
        else:
            self.rich.print(Text(line))  # a Text, so brackets in a query aren't rich markup


def console_for(*, stderr: bool = False) -> Console:
    """For stdout (or stderr): rich when it is a terminal, plain text otherwise."""
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return RichConsole(stderr=stderr)
    return PlainConsole(stderr=stderr)


def _styled(text: str, highlights: Sequence[tuple[int, int]], base: str = "") -> Styled:
    out = Styled(text, style=base)
    for s, e in highlights:
        out.stylize(MATCH_STYLE, s, e)
    return out


RELAXED_NOTE = (
    "note: few episodes hold every word; episodes holding most of them follow (--all: only those)"
)


def _print_notes(console: Console, results: SearchResults | MomentResults) -> None:
    if results.suggestion and not results.fuzzy:
        console.print(Styled(f"Did you mean: {results.suggestion}", style="italic"))
    for warning in results.warnings:
        console.print(Styled(f"note: {warning}", style="dim"))
    if results.relaxed:
        console.print(Styled(RELAXED_NOTE, style="dim"))


def print_moments(console: Console, found: MomentResults) -> None:
    """Moments, best first: the episode, then when, who and what was said."""
    _print_notes(console, found)
    if not found.moments:
        console.print(f"No moments match {found.query!r}.")
        return
    first = (found.page - 1) * found.limit
    for rank, moment in enumerate(found.moments, first + 1):
        title = Styled(f"{rank:>2}. ", style="bold")
        title.append(moment.title, style="bold")
        title.append(f"  ({moment.id})", style="dim")
        console.print(title)
        line = Styled("    ")
        if moment.start is not None:
            line.append(format_time(moment.start) + " ", style="green")
        if moment.speaker:
            line.append(moment.speaker + ": ", style="magenta")
        line.append_text(_styled(moment.text, moment.highlights))
        console.print(line)
    shown_to = first + len(found.moments)
    more = f" — next: --page {found.page + 1}" if shown_to < found.total else ""
    console.print(
        Styled(
            f"{first + 1}–{shown_to} of {found.total} moments, from {found.episodes} "
            f"matching episodes{more}",
            style="dim",
        )
    )


def print_results(console: Console, results: SearchResults) -> None:
    _print_notes(console, results)
    if not results.hits:
        console.print(f"No episodes match {results.query!r}.")
        return
    first = (results.page - 1) * results.limit
    for rank, hit in enumerate(results.hits, first + 1):
        _print_hit(console, rank, hit)
    shown_to = first + len(results.hits)
    more = f" — next: --page {results.page + 1}" if shown_to < results.total else ""
    console.print(Styled(f"{first + 1}–{shown_to} of {results.total} episodes{more}", style="dim"))
    if results.facets:
        for name, counts in results.facets.items():
            line = ", ".join(f"{k} ({v})" for k, v in counts.items()) or "—"
            console.print(Styled(f"{name}: {line}", style="dim"))


def _print_hit(console: Console, rank: int, hit: Hit) -> None:
    title = Styled(f"{rank:>2}. ", style="bold")
    title.append_text(_styled(hit.title, hit.title_highlights, "bold"))
    title.append(f"  ({hit.score:.2f})", style="dim")
    console.print(title)
    meta = [m for m in (hit.show, hit.host, hit.published and hit.published.isoformat()) if m]
    meta.append(hit.id)
    console.print(Styled("    " + " · ".join(meta), style="cyan"))
    if not hit.snippets and hit.summary:
        summary = _styled(_clip(hit.summary), hit.summary_highlights)
        console.print(Styled("    ").append_text(summary))
    for snippet in hit.snippets:
        line = Styled("    ")
        if snippet.start is not None:
            line.append(format_time(snippet.start) + " ", style="green")
        if snippet.speaker:
            line.append(snippet.speaker + ": ", style="magenta")
        line.append("…")
        line.append_text(_styled(snippet.text, snippet.highlights))
        line.append("…")
        console.print(line)
    console.print()


def _clip(text: str, width: int = 200) -> str:
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + "…"


def print_episode(
    console: Console, episode: Episode, terms: frozenset[str], at: float | None
) -> None:
    from searchpod.query.snippets import highlight_spans

    console.print(_styled(episode.title, highlight_spans(episode.title, terms), "bold"))
    meta = [
        m
        for m in (episode.show, episode.host, episode.published and episode.published.isoformat())
        if m
    ]
    console.print(Styled(" · ".join([*meta, episode.id]), style="cyan"))
    link = safe_url(episode.media_url) or safe_url(episode.url)
    if link:
        console.print(Styled(link, style="dim"))
    if episode.summary:
        console.print(_styled(episode.summary, highlight_spans(episode.summary, terms), "italic"))
    console.print()
    if not episode.cues:
        # Line by line: each console line is made safe whole, newlines included.
        for text in episode.body.splitlines():
            console.print(_styled(text, highlight_spans(text, terms)))
        return
    speaker = None
    for cue in episode.cues:
        last = cue.end if cue.end is not None else cue.start
        if at is not None and last is not None and last < at:
            continue
        if at is not None:
            cue = cue.from_time(at)  # a joined cue: from the source cue said at that time
        line = Styled(f"{format_time(cue.start) or '[--:--:--]'} ", style="green")
        if cue.speaker and cue.speaker != speaker:
            line.append(f"{cue.speaker}: ", style="bold magenta")
        speaker = cue.speaker or speaker
        line.append_text(_styled(cue.text, highlight_spans(cue.text, terms)))
        console.print(line)


def print_report(console: Console, report: IndexReport, removed_label: bool = True) -> None:
    for failure in report.failed:
        console.print(Styled(f"error: {failure}", style="red"))
    if report.skipped:
        total = sum(s.count for s in report.skipped)
        kinds = ", ".join(f"{s.count} {s.suffix} ({s.reason})" for s in report.skipped)
        console.print(Styled(f"skipped {total} files: {kinds}", style="yellow"))
    parts = [
        f"{len(report.added)} added",
        f"{len(report.updated)} updated",
        f"{len(report.unchanged)} unchanged",
    ]
    if removed_label:
        parts.append(f"{len(report.removed)} removed")
    parts.append(f"{len(report.failed)} failed")
    if report.downloads:
        parts.append(f"{report.downloads} transcripts downloaded")
    console.print(Styled("indexed: " + ", ".join(parts), style="red" if report.failed else "green"))


def print_stats(console: Console, stats: IndexStats) -> None:
    console.print(Styled(f"index: {stats.path}", style="bold"))
    console.print(f"episodes: {stats.episodes} ({stats.timed_episodes} with timed transcripts)")
    console.print(f"size on disk: {stats.size_bytes / 1e6:.1f} MB")
    for name, counts in (("shows", stats.shows), ("hosts", stats.hosts)):
        if counts:
            console.print(f"{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))


def hit_lines(hit: Hit, *, html: bool) -> Iterator[str]:
    """``searchpod search --format plain|html``: the title and id, then indented snippets.

    In HTML everything from the index is escaped (only ``<mark>`` is ours); either way each
    line is made terminal-safe, so a title cannot add lines or control the terminal.
    """
    if html:
        title = mark(hit.title, hit.title_highlights, "<mark>", "</mark>", escape=True)
        yield terminal_safe(f"{title} ({escape_html(hit.id)})")
    else:
        yield terminal_safe(f"{hit.title} ({hit.id})")
    for snippet in hit.snippets:
        yield "    " + terminal_safe(snippet.html() if html else snippet.plain())
