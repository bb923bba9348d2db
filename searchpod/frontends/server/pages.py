"""The web page's HTML, built as strings: every text escaped, every outside URL checked.

Text from pages, transcripts and feeds goes through ``escape_html``; a URL from them through
``safe_url`` (http(s) only, else no link); our own URLs are built with ``quote``/``urlencode``
and escaped as attributes too. Nothing here runs scripts inline: the Content-Security-Policy
allows only ``/static/app.js``, and every page works without it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from searchpod.model import Cue, Episode, Moment, MomentResults
from searchpod.query.catalogue import EpisodeSummary
from searchpod.query.snippets import highlight_spans
from searchpod.text.highlight import mark
from searchpod.text.safe import escape_html, safe_url

FILTERS = (
    ("show", "Show", "any show"),
    ("host", "Host", "any host"),
    ("speaker", "Speaker", "anyone"),
    ("since", "From", "2021 or 2021-04-30"),
    ("until", "To", "2023 or 2023-12-31"),
    ("episode", "Episodes", "12 or 10..20"),
)
SORTS = (("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first"))
PAGES_AROUND = 2  # numbered page links either side of the current page


@dataclass(frozen=True)
class EpisodeFacts:
    """What a results page needs of an episode beyond its moments: audio, and line starts."""

    media_url: str | None
    starts: tuple[float | None, ...]


def clock(seconds: float | None) -> str:
    """``12:35`` or ``1:02:03`` for a time in seconds; "" when unknown."""
    if seconds is None:
        return ""
    s = int(seconds)
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration(seconds: float | None) -> str:
    """``1 h 47 min`` or ``52 min``; "" when unknown."""
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def episode_path(
    episode_id: str, at: float | None = None, query: str = "", line: int | None = None
) -> str:
    """Our own link to an episode's page at a moment, ``/e/{id}?t=755#c212`` (a share link).

    ``line`` is the transcript line said at ``at``: the fragment makes a browser scroll to it
    without any script.
    """
    params = {}
    if at is not None:
        params["t"] = str(int(at))
    if query:
        params["q"] = query
    path = f"/e/{quote(episode_id, safe='/')}" + (f"?{urlencode(params)}" if params else "")
    return path + (f"#c{line}" if line is not None else "")


def clean_query(params: Mapping[str, str], **changes: str) -> str:
    """``?q=…`` with ``changes``, leaving out empty values and defaults (sort, page 1)."""
    merged = {**params, **changes}
    kept = {
        k: v
        for k, v in merged.items()
        if v and not (k == "sort" and v == "relevance") and not (k == "page" and v == "1")
    }
    return f"?{urlencode(kept)}" if kept else ""


def media_at(url: str | None, at: float | None) -> str | None:
    """A safe media URL starting at ``at`` seconds (a ``#t=`` media fragment), or None."""
    url = safe_url(url)
    if url is None:
        return None
    parts = urlsplit(url)
    fragment = f"t={int(at)}" if at is not None else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, fragment))


def layout(title: str, body: str, params: Mapping[str, str] | None = None, player: str = "") -> str:
    """The whole document: header with the search form, ``body`` as main, then the player.

    ``player`` is an episode's player (``episode_player``); other pages get an empty one the
    script shows when a time is pressed.
    """
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape_html(title)}</title>"
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/app.css">'
        '<script src="/static/app.js" defer></script>'
        "</head><body>"
        '<a class="skip" href="#main">Skip to content</a>'
        f"<header>{search_form(params or {})}</header>"
        f'<main id="main" tabindex="-1">{body}</main>'
        + (player or _empty_player())
        + _share_dialog()
        + "</body></html>\n"
    )


def _empty_player() -> str:
    return (
        '<div class="player" id="player" role="region" aria-label="Player" hidden>'
        '<p class="now" id="now-playing" aria-live="polite"></p>'
        '<audio id="audio" controls preload="none"></audio>'
        '<p class="seek-note" id="seek-note" role="status" hidden></p>'
        "</div>"
    )


def episode_player(episode: Episode, at: float | None) -> str:
    """The player for an episode's page: its audio ready at ``at``, kept on screen."""
    media = media_at(episode.media_url, at)
    if media is None:
        return ""
    title = episode.title or episode.id
    start = f' data-start="{at:g}"' if at is not None else ""
    return (
        f'<div class="player" id="player" role="region" aria-label="Player" '
        f'data-episode="{escape_html(episode.id)}" data-title="{escape_html(title)}">'
        f'<p class="now" id="now-playing" aria-live="polite">{escape_html(title)}</p>'
        f'<audio id="audio" controls preload="metadata" src="{escape_html(media)}"{start}>'
        "</audio>"
        '<button type="button" class="quiet" id="back-to-now" hidden>Back to now</button>'
        '<button type="button" class="quiet" id="share-now" hidden>Share this moment</button>'
        '<p class="resume" id="resume" hidden>Resumed at <span id="resume-at"></span>, '
        "where you left off. "
        '<button type="button" class="quiet" id="start-over">Start from the beginning</button></p>'
        '<p class="seek-note" id="seek-note" role="status" hidden></p>'
        "</div>"
    )


def _share_dialog() -> str:
    # Opened by the script only; without it a dialog stays closed and share links are links.
    return (
        '<dialog id="share-dialog" aria-labelledby="share-heading">'
        '<h2 id="share-heading">Share this moment</h2>'
        '<p id="share-title" class="meta"></p>'
        '<blockquote id="share-quote"></blockquote>'
        '<label for="share-link">Link</label>'
        '<input id="share-link" readonly>'
        '<div class="actions"><button type="button" id="share-copy">Copy link</button>'
        '<button type="button" class="quiet" id="share-close">Close</button></div>'
        '<p id="share-status" role="status"></p>'
        "</dialog>"
    )


def search_form(params: Mapping[str, str]) -> str:
    def value(name: str) -> str:
        return escape_html(params.get(name, ""))

    filters = "".join(
        f'<label>{label} <input name="{name}" value="{value(name)}" '
        f'placeholder="{escape_html(hint)}" maxlength="200" autocomplete="off"></label>'
        for name, label, hint in FILTERS
    )
    chosen = params.get("sort") or "relevance"
    options = "".join(
        f'<option value="{v}"{" selected" if v == chosen else ""}>{label}</option>'
        for v, label in SORTS
    )
    filters += f'<label>Order <select name="sort">{options}</select></label>'
    used = any(params.get(name) for name, _, _ in FILTERS) or chosen != "relevance"
    return (
        '<form class="search" role="search" action="/" method="get">'
        '<a class="brand" href="/">searchpod</a>'
        '<label class="visually-hidden" for="q">Search what was said</label>'
        f'<input id="q" name="q" type="search" value="{value("q")}" maxlength="1000" '
        'placeholder="Search what was said (press / to focus)" autocomplete="off" '
        'aria-keyshortcuts="/">'
        '<button type="submit">Search</button>'
        '<a class="brand-nav" href="/episodes">Episodes</a>'
        f'<details class="filters"{" open" if used else ""}><summary>Filters and order</summary>'
        f'<div class="filter-fields">{filters}</div></details>'
        "</form>"
    )


def home(episodes: int, shows: Mapping[str, int], seconds: float, words: int, timed: int) -> str:
    """The front page: what the index holds, and how to use the page."""
    hours = seconds / 3600
    show_links = "".join(
        f'<li><a href="/episodes?{urlencode({"show": name})}">{escape_html(name)}</a> '
        f"({count})</li>"
        for name, count in sorted(shows.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    )
    return (
        '<section class="intro"><h1>Find the moment</h1>'
        f'<p class="stats" id="stats"><strong>{episodes:,}</strong> episodes'
        + (
            f" of <strong>{len(shows):,}</strong> show{'s' if len(shows) != 1 else ''}"
            if shows
            else ""
        )
        + f", <strong>{hours:,.0f}</strong> hours of talk, <strong>{words:,}</strong> words"
        f" ({timed:,} with timed transcripts).</p>"
        "<p>Type a few words someone said. Press a time to play from there; "
        "share a moment with its link.</p>"
        + (f'<h2>Shows</h2><ul class="shows">{show_links}</ul>' if show_links else "")
        + '<p><a href="/episodes">Browse all episodes</a></p></section>'
    )


_RELAXED = "Few episodes hold every word: moments from episodes holding most of them follow."


def moments_page(
    results: MomentResults, facts: Mapping[str, EpisodeFacts], params: Mapping[str, str]
) -> str:
    """Results grouped by episode (best first), each episode's moments beneath in time order."""
    query = results.query
    shown = len(results.moments)
    first = (results.page - 1) * results.limit + 1
    groups = _grouped(results.moments)
    if not shown and results.total:
        summary = f"No more moments for “{query}”: all {results.total_label} are on earlier pages."
    elif not shown and results.episodes:
        summary = (
            f"No moments for “{query}”: it matches {results.episodes} episode"
            f"{'s' if results.episodes != 1 else ''} only in titles or summaries."
        )
    elif not shown:
        summary = f"No moments for “{query}”."
    else:
        summary = (
            f"Moments {first}–{first + shown - 1} of {results.total_label} "
            f"from {results.episodes} episode{'s' if results.episodes != 1 else ''} for “{query}”."
        )
    parts = [
        '<h1 class="visually-hidden">Search results</h1>',
        f'<p class="summary" id="summary">{escape_html(summary)}</p>',
    ]
    # With fuzzy matching applied the warnings already say what was searched instead.
    if results.suggestion and not results.fuzzy:
        link = "/" + clean_query(params, q=results.suggestion, page="1")
        parts.append(
            f'<p class="suggestion">Did you mean <a href="{escape_html(link)}">'
            f"{escape_html(results.suggestion)}</a>?</p>"
        )
    parts.extend(f'<p class="warning">{escape_html(w)}</p>' for w in results.warnings)
    if results.relaxed:
        parts.append(f'<p class="warning">{escape_html(_RELAXED)}</p>')
    parts.append('<ol class="results" id="results">')
    for moments in groups:
        parts.append(_group(moments, facts.get(moments[0].id), query))
    parts.append("</ol>")
    parts.append(_pager(results.page, results.limit, results.total, params, "/"))
    return "".join(parts)


def _grouped(moments: Sequence[Moment]) -> list[list[Moment]]:
    """Moments by episode, episodes in the order of their best moment, moments by time."""
    groups: dict[str, list[Moment]] = {}
    for m in moments:
        groups.setdefault(m.id, []).append(m)
    return [sorted(g, key=lambda m: (m.start is None, m.start or 0.0)) for g in groups.values()]


def _group(moments: list[Moment], facts: EpisodeFacts | None, query: str) -> str:
    head = moments[0]
    meta = _meta(head.show, head.episode, head.published)
    count = f"{len(moments)} moments" if len(moments) > 1 else ""
    meta = " · ".join(p for p in (meta, count) if p)
    items = "".join(_moment_item(m, facts, query) for m in moments)
    return (
        '<li class="group">'
        f'<h2><a href="{escape_html(episode_path(head.id, query=query))}">'
        f"{escape_html(head.title or head.id)}</a></h2>"
        + (f'<p class="meta">{meta}</p>' if meta else "")
        + f'<ol class="moments">{items}</ol></li>'
    )


def _meta(show: str | None, number: int | None, published: dt.date | None) -> str:
    parts = (
        show,
        f"episode {number}" if number is not None else None,
        published.isoformat() if published is not None else None,
    )
    return " · ".join(escape_html(p) for p in parts if p)


def _moment_item(moment: Moment, facts: EpisodeFacts | None, query: str) -> str:
    said = mark(moment.text, moment.highlights, "<mark>", "</mark>", escape=True)
    speaker = (
        f'<span class="speaker">{escape_html(moment.speaker)}:</span> ' if moment.speaker else ""
    )
    if moment.start is None:
        return f'<li class="moment">{speaker}{said}</li>'
    line = cue_at(facts.starts, moment.start) if facts else None
    link = escape_html(episode_path(moment.id, moment.start, query, line))
    media = safe_url(facts.media_url) if facts else None
    title = escape_html(moment.title or moment.id)
    play = (
        f' data-media="{escape_html(media)}" data-start="{moment.start:g}"'
        f' data-episode="{escape_html(moment.id)}" data-title="{title}"'
        if media
        else ""
    )
    label = f"Play from {clock(moment.start)}" if media else f"Open at {clock(moment.start)}"
    quote_text = f"“{moment.text}”" + (f" — {moment.speaker}" if moment.speaker else "")
    return (
        '<li class="moment">'
        f'<a class="time" href="{link}"{play} aria-label="{escape_html(label)}">'
        f"{clock(moment.start)}</a> {speaker}{said}"
        f' <a class="share-link" href="{link}" data-quote="{escape_html(quote_text)}"'
        f' data-title="{title} at {clock(moment.start)}"'
        f' aria-label="Share the moment at {clock(moment.start)}">Share</a>'
        "</li>"
    )


def _pager(page: int, limit: int, total: int, params: Mapping[str, str], path: str) -> str:
    """Previous, numbered pages around this one (and the first and last), Next."""
    last = max(1, -(-total // limit))
    if last == 1:
        return ""

    def href(n: int) -> str:
        return escape_html(path + clean_query(params, page=str(n)))

    numbers = sorted(
        {1, last, *range(max(1, page - PAGES_AROUND), min(last, page + PAGES_AROUND) + 1)}
    )
    links = []
    if page > 1:
        links.append(f'<a rel="prev" href="{href(page - 1)}">← Previous</a>')
    previous = 0
    for n in numbers:
        if n > previous + 1:
            links.append("<span>…</span>")
        if n == page:
            links.append(f'<a aria-current="page" href="{href(n)}">{n}</a>')
        else:
            links.append(f'<a href="{href(n)}" aria-label="Page {n}">{n}</a>')
        previous = n
    if page < last:
        links.append(f'<a rel="next" href="{href(page + 1)}">Next →</a>')
    return f'<nav class="pager" aria-label="Pages">{"".join(links)}</nav>'


def episode_page(episode: Episode, at: float | None, query: str, terms: frozenset[str]) -> str:
    """One episode: header, search within it, and the transcript with ``at``'s line marked."""
    meta = " · ".join(
        escape_html(p)
        for p in (
            episode.show,
            f"episode {episode.episode}" if episode.episode is not None else None,
            episode.published.isoformat() if episode.published else None,
            f"hosted by {episode.host}" if episode.host else None,
        )
        if p
    )
    page_url = safe_url(episode.url)
    links = []
    if page_url:
        links.append(f'<a href="{escape_html(page_url)}" rel="noreferrer">Episode page</a>')
    if query:
        back = "/" + clean_query({"q": query})
        links.append(f'<a href="{escape_html(back)}">Back to results</a>')
    if episode.show:
        shows = "/episodes" + clean_query({"show": episode.show})
        links.append(f'<a href="{escape_html(shows)}">All episodes of this show</a>')
    summary = f'<p class="summary">{_marked(episode.summary, terms)}</p>' if episode.summary else ""
    current = current_cue(episode.cues, at)
    return (
        '<article class="episode">'
        f"<h1>{_marked(episode.title or episode.id, terms)}</h1>"
        + (f'<p class="meta">{meta}</p>' if meta else "")
        + (f'<p class="links">{" · ".join(links)}</p>' if links else "")
        + summary
        + _find_form(episode, query, terms)
        + _transcript(episode, current, query, terms, bool(safe_url(episode.media_url)))
        + "</article>"
    )


def _find_form(episode: Episode, query: str, terms: frozenset[str]) -> str:
    """Search within this episode: a form (reloads with ``q``) the script makes step through."""
    if not episode.cues:
        return ""
    status = ""
    if query:
        found = [i for i, c in enumerate(episode.cues) if highlight_spans(c.text, terms)]
        if found:
            lines = "1 line says" if len(found) == 1 else f"{len(found)} lines say"
            first = episode.cues[found[0]].start
            where = f"first at {clock(first)}" if first is not None else "the first"
            status = f'{lines} “{escape_html(query)}”: <a href="#c{found[0]}">{where}</a>'
        else:
            status = f"No line says “{escape_html(query)}”."
    path = escape_html(episode_path(episode.id))
    return (
        f'<form class="find" id="find" role="search" action="{path}" method="get">'
        '<label for="find-q">Search this episode</label>'
        f'<input id="find-q" name="q" type="search" value="{escape_html(query)}" '
        'maxlength="1000" autocomplete="off">'
        '<button type="submit">Find</button>'
        '<span id="find-steps" hidden>'
        '<button type="button" class="quiet" id="find-prev" aria-label="Previous match">↑</button>'
        '<button type="button" class="quiet" id="find-next" aria-label="Next match">↓</button>'
        "</span>"
        f'<p class="find-status" id="find-status" role="status">{status}</p>'
        "</form>"
    )


def current_cue(cues: Sequence[Cue], at: float | None) -> int | None:
    """Index of the cue being said at ``at`` seconds: the last one starting at or before it."""
    return cue_at([c.start for c in cues], at)


def cue_at(starts: Sequence[float | None], at: float | None) -> int | None:
    """Index of the line said at ``at`` among lines starting at ``starts`` (None: untimed).

    Share links carry whole seconds (``t=3808`` for a moment at 3808.16 s), so for a whole
    ``at`` a line starting within that second is the one meant.
    """
    if at is None:
        return None
    timed = [(s, i) for i, s in enumerate(starts) if s is not None]
    if not timed:
        return None
    keys = [s for s, _ in timed]
    whole = float(at).is_integer()
    i = (bisect_left(keys, at + 1) if whole else bisect_right(keys, at)) - 1
    return timed[max(i, 0)][1]


def _transcript(
    episode: Episode, current: int | None, query: str, terms: frozenset[str], playable: bool
) -> str:
    if not episode.cues:
        return "".join(f"<p>{_marked(p, terms)}</p>" for p in _paragraphs(episode.body))
    q = f"&amp;q={escape_html(quote(query))}" if query else ""
    lines = []
    speaker = None
    for i, cue in enumerate(episode.cues):
        attrs = f' id="c{i}" class="cue'
        attrs += ' current" aria-current="true"' if i == current else '"'
        time = ""
        if cue.start is not None:
            attrs += f' data-start="{cue.start:g}"'
            # Relative to this page: ?t=…#c… reloads it there when no script runs.
            time = f'<a class="time" href="?t={int(cue.start)}{q}#c{i}">{clock(cue.start)}</a> '
        # A speaker is named when they start talking, not on each of their lines.
        named = ""
        if cue.speaker and cue.speaker != speaker:
            named = f'<span class="speaker">{escape_html(cue.speaker)}</span>'
        speaker = cue.speaker or speaker
        lines.append(
            f'<li{attrs}>{named}{time}<span class="text">{_marked(cue.text, terms)}</span></li>'
        )
    cls = "transcript playable" if playable else "transcript"
    return f'<ol class="{cls}" id="transcript">{"".join(lines)}</ol>'


def episodes_page(
    rows: Sequence[EpisodeSummary],
    shows: Mapping[str, int],
    params: Mapping[str, str],
    *,
    page: int,
    limit: int,
    total: int,
) -> str:
    """Browse: the shows, and a page of episodes (newest first unless asked otherwise)."""
    chosen_show = params.get("show", "")
    show_options = '<option value="">All shows</option>' + "".join(
        f'<option value="{escape_html(name)}"{" selected" if name == chosen_show else ""}>'
        f"{escape_html(name)} ({count})</option>"
        for name, count in sorted(shows.items())
    )
    order = params.get("sort") or "newest"
    sort_options = "".join(
        f'<option value="{v}"{" selected" if v == order else ""}>{label}</option>'
        for v, label in (("newest", "Newest first"), ("oldest", "Oldest first"))
    )
    form = (
        '<form class="browse-form search" action="/episodes" method="get">'
        f'<label>Show <select name="show">{show_options}</select></label>'
        f'<label>Episodes <input name="episode" value="{escape_html(params.get("episode", ""))}"'
        ' placeholder="12 or 10..20" maxlength="200" size="10"></label>'
        f'<label>Order <select name="sort">{sort_options}</select></label>'
        '<button type="submit">Show</button></form>'
    )
    body = "".join(_episode_row(r) for r in rows)
    first = (page - 1) * limit + 1
    summary = (
        f"Episodes {first}–{first + len(rows) - 1} of {total}." if rows else "No episodes match."
    )
    table = (
        '<table class="episode-list"><thead><tr><th scope="col">#</th><th scope="col">Title</th>'
        '<th scope="col" class="show-col">Show</th><th scope="col">Date</th>'
        f'<th scope="col">Length</th></tr></thead><tbody>{body}</tbody></table>'
        if rows
        else ""
    )
    pager_params = {k: v for k, v in params.items() if k != "page"}
    return (
        "<h1>Episodes</h1>"
        + form
        + f'<p class="summary" id="summary">{escape_html(summary)}</p>'
        + table
        + _pager(page, limit, total, pager_params, "/episodes")
    )


def _episode_row(row: EpisodeSummary) -> str:
    number = "" if row.episode is None else str(row.episode)
    published = row.published.isoformat() if row.published else ""
    return (
        "<tr>"
        f'<td class="num">{number}</td>'
        f'<td><a href="{escape_html(episode_path(row.id))}">'
        f"{escape_html(row.title or row.id)}</a></td>"
        f'<td class="show-col">{escape_html(row.show or "")}</td>'
        f"<td>{published}</td>"
        f'<td class="len">{duration(row.seconds)}</td>'
        "</tr>"
    )


def _paragraphs(body: str) -> Iterable[str]:
    return (p.strip() for p in body.split("\n") if p.strip())


def _marked(text: str, terms: frozenset[str]) -> str:
    return mark(text, highlight_spans(text, terms), "<mark>", "</mark>", escape=True)


def error_page(message: str) -> str:
    return f'<p class="error" role="alert">{escape_html(message)}</p>'
