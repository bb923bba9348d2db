"""Terminal rendering of results, episodes and reports (rich), plus plain and HTML text.

rich drops every style when output is not a terminal, and colours (not bold/underline)
under NO_COLOR, so one renderer serves terminals, pipes and NO_COLOR users alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from searchpod.highlight import format_time
from searchpod.index import IndexStats
from searchpod.model import Episode, Hit, IndexReport, SearchResults

MATCH_STYLE = "bold underline yellow"


def _styled(text: str, highlights: Sequence[tuple[int, int]], base: str = "") -> Text:
    out = Text(text, style=base)
    for s, e in highlights:
        out.stylize(MATCH_STYLE, s, e)
    return out


def print_results(console: Console, results: SearchResults) -> None:
    if results.suggestion and not results.fuzzy:
        console.print(Text(f"Did you mean: {results.suggestion}", style="italic"))
    for warning in results.warnings:
        console.print(Text(f"note: {warning}", style="dim"))
    if not results.hits:
        console.print(f"No episodes match {results.query!r}.")
        return
    first = (results.page - 1) * results.limit
    for rank, hit in enumerate(results.hits, first + 1):
        _print_hit(console, rank, hit)
    shown_to = first + len(results.hits)
    more = f" — next: --page {results.page + 1}" if shown_to < results.total else ""
    console.print(Text(f"{first + 1}–{shown_to} of {results.total} episodes{more}", style="dim"))
    if results.facets:
        for name, counts in results.facets.items():
            line = ", ".join(f"{k} ({v})" for k, v in counts.items()) or "—"
            console.print(Text(f"{name}: {line}", style="dim"))


def _print_hit(console: Console, rank: int, hit: Hit) -> None:
    title = Text(f"{rank:>2}. ", style="bold")
    title.append_text(_styled(hit.title, hit.title_highlights, "bold"))
    title.append(f"  ({hit.score:.2f})", style="dim")
    console.print(title)
    meta = [m for m in (hit.show, hit.host, hit.published and hit.published.isoformat()) if m]
    meta.append(hit.id)
    console.print(Text("    " + " · ".join(meta), style="cyan"))
    if not hit.snippets and hit.summary:
        summary = _styled(_clip(hit.summary), hit.summary_highlights)
        console.print(Text("    ").append_text(summary))
    for snippet in hit.snippets:
        line = Text("    ")
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
    from searchpod.snippets import highlight_spans

    console.print(_styled(episode.title, highlight_spans(episode.title, terms), "bold"))
    meta = [
        m
        for m in (episode.show, episode.host, episode.published and episode.published.isoformat())
        if m
    ]
    console.print(Text(" · ".join([*meta, episode.id]), style="cyan"))
    if episode.media_url or episode.url:
        console.print(Text(episode.media_url or episode.url or "", style="dim"))
    if episode.summary:
        console.print(_styled(episode.summary, highlight_spans(episode.summary, terms), "italic"))
    console.print()
    if not episode.cues:
        console.print(_styled(episode.body, highlight_spans(episode.body, terms)))
        return
    speaker = None
    for cue in episode.cues:
        last = cue.end if cue.end is not None else cue.start
        if at is not None and last is not None and last < at:
            continue
        line = Text(f"{format_time(cue.start) or '[--:--:--]'} ", style="green")
        if cue.speaker and cue.speaker != speaker:
            line.append(f"{cue.speaker}: ", style="bold magenta")
        speaker = cue.speaker or speaker
        line.append_text(_styled(cue.text, highlight_spans(cue.text, terms)))
        console.print(line)


def print_report(console: Console, report: IndexReport, removed_label: bool = True) -> None:
    for failure in report.failed:
        console.print(Text(f"error: {failure}", style="red"), soft_wrap=True)
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
    console.print(Text("indexed: " + ", ".join(parts), style="red" if report.failed else "green"))


def print_stats(console: Console, stats: IndexStats) -> None:
    console.print(Text(f"index: {stats.path}", style="bold"))
    console.print(f"episodes: {stats.episodes} ({stats.timed_episodes} with timed transcripts)")
    console.print(f"size on disk: {stats.size_bytes / 1e6:.1f} MB")
    for name, counts in (("shows", stats.shows), ("hosts", stats.hosts)):
        if counts:
            console.print(f"{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
