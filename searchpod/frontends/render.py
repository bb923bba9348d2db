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

from searchpod.model import (
    Cue,
    Episode,
    Hit,
    IndexReport,
    IndexStats,
    MomentResults,
    SearchResults,
)
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

    def __init__(self, *, stderr: bool = False, **options: Any) -> None:
        from rich.console import Console as _RichConsole

        # ``options`` are rich's (a file and width to render into, for a pager or a test).
        self.rich: Any = _RichConsole(stderr=stderr, highlight=False, **options)

    def print(self, line: Styled | str = "") -> None:
        from rich.padding import Padding
        from rich.text import Text

        line = _safe_line(line)
        if isinstance(line, Styled):
            text = Text(line.text)
            for start, end, style in line.spans:
                text.stylize(style, start, end)
        else:
            text = Text(line)  # a Text, so brackets in a query aren't rich markup
        # An indented line keeps its indent on every line it wraps to, at any width.
        indent = len(text.plain) - len(text.plain.lstrip(" "))
        if indent and text.plain.strip():
            self.rich.print(Padding(text[indent:], (0, 0, 0, indent), expand=False))
        else:
            self.rich.print(text)


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
        number = f"episode {moment.episode} · " if moment.episode is not None else ""
        title.append(f"  ({number}{moment.id})", style="dim")
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
            f"{first + 1}–{shown_to} of {found.total_label} moments, from {found.episodes} "
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
    number = f"episode {hit.episode}" if hit.episode is not None else None
    published = hit.published and hit.published.isoformat()
    meta = [m for m in (hit.show, number, hit.host, published) if m]
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
    """The episode's header and transcript; with ``at``, the transcript from that moment."""
    lines, _ = episode_lines(episode, terms, at, from_at=True)
    for line in lines:
        console.print(line)


def episode_lines(
    episode: Episode,
    terms: frozenset[str],
    at: float | None,
    *,
    from_at: bool = False,
    around: int | None = None,
) -> tuple[list[Styled], int]:
    """The episode as lines: a header, then one line per cue; and which line ``at`` is in.

    With ``from_at`` the cues said before ``at`` are left out (and the one said then starts
    at ``at``); with ``around`` only that many cues either side of it are kept; otherwise
    every cue is there. The line said at ``at`` has its time marked.
    """
    from searchpod.query.snippets import highlight_spans

    lines = [_styled(episode.title, highlight_spans(episode.title, terms), "bold")]
    number = f"episode {episode.episode}" if episode.episode is not None else None
    published = episode.published and episode.published.isoformat()
    meta = [m for m in (episode.show, number, episode.host, published) if m]
    lines.append(Styled(" · ".join([*meta, episode.id]), style="cyan"))
    link = safe_url(episode.media_url) or safe_url(episode.url)
    if link:
        lines.append(Styled(link, style="dim"))
    if episode.summary:
        lines.append(_styled(episode.summary, highlight_spans(episode.summary, terms), "italic"))
    lines.append(Styled())
    moment = len(lines)
    if not episode.cues:
        # Line by line: each console line is made safe whole, newlines included.
        lines.extend(_styled(t, highlight_spans(t, terms)) for t in episode.body.splitlines())
        return lines, moment
    cues = list(episode.cues)
    said_at = _said_at(cues, at)
    if around is not None and said_at is not None:
        cues = cues[max(0, said_at - around) : said_at + around + 1]
        said_at = min(said_at, around)
    elif from_at and said_at is not None:
        # From the moment on, the line said then starting at ``at`` (a joined cue starts at
        # the source cue said then).
        cues = [c.from_time(at) for c in cues[said_at:]]  # type: ignore[arg-type]
        said_at = 0
    speaker = None
    for i, cue in enumerate(cues):
        if i == said_at:
            moment = len(lines)
        marked = i == said_at and not from_at
        line = Styled(
            f"{format_time(cue.start) or '[--:--:--]'} ",
            style="reverse green" if marked else "green",
        )
        if cue.speaker and cue.speaker != speaker:
            line.append(f"{cue.speaker}: ", style="bold magenta")
        speaker = cue.speaker or speaker
        line.append_text(_styled(cue.text, highlight_spans(cue.text, terms)))
        lines.append(line)
    return lines, moment


def _said_at(cues: Sequence[Cue], at: float | None) -> int | None:
    """Index of the first cue not over by ``at`` (the one said then), None for no ``at``."""
    if at is None:
        return None
    for i, cue in enumerate(cues):
        last = cue.end if cue.end is not None else cue.start
        if last is None or last >= at:
            return i
    return len(cues)


def transcript_end(episode: Episode) -> float | None:
    """Where the timed transcript ends, in seconds (None when it has no times)."""
    ends = [c.end if c.end is not None else c.start for c in episode.cues]
    known = [t for t in ends if t is not None]
    return max(known) if known else None


def page_lines(lines: Sequence[Styled], start: int, width: int) -> None:
    """Show ``lines`` through ``$PAGER`` (else ``less``), opened at line ``start``.

    ``less`` gets every line and jumps to ``start`` (the reader can scroll back); another
    pager gets the lines from ``start`` on. Without a pager to run, the lines are printed.
    """
    import io
    import os
    import shlex
    import shutil
    import subprocess

    command = shlex.split(os.environ.get("PAGER") or "less") or ["less"]
    program = shutil.which(command[0])
    env = dict(os.environ)
    is_less = os.path.basename(command[0]) == "less"
    buffer = io.StringIO()
    out = RichConsole(file=buffer, width=width, force_terminal=True)
    skipped = 0
    for i, line in enumerate(lines):
        if i == start:
            skipped = buffer.getvalue().count("\n")
        if i >= start or is_less:
            out.print(line)
    if program is None:
        sys.stdout.write(buffer.getvalue())
        return
    if is_less:
        # Colours through (-R); a transcript fitting one screen is just printed (-F, -X).
        env.setdefault("LESS", "FRX")
        command = [*command, "-R", f"+{skipped + 1}g"]
    text = buffer.getvalue()
    with subprocess.Popen([program, *command[1:]], stdin=subprocess.PIPE, env=env) as pager:
        assert pager.stdin is not None
        try:
            pager.stdin.write(text.encode("utf-8", "replace"))
            pager.stdin.close()
        except BrokenPipeError:
            pass  # the reader quit the pager before the end: nothing more to show
        pager.wait()


def print_report(console: Console, report: IndexReport, removed_label: bool = True) -> None:
    for failure in report.failed:
        console.print(Styled(f"error: {failure}", style="red"))
    for warning in report.warnings:
        console.print(Styled(f"warning: {warning}", style="yellow"))
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
