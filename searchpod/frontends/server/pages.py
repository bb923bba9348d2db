"""The web page's HTML, built as strings: every text escaped, every outside URL checked.

Text from pages, transcripts and feeds goes through ``escape_html``; a URL from them through
``safe_url`` (http(s) only, else no link); our own URLs are built with ``quote``/``urlencode``
and escaped as attributes too. Nothing here runs scripts inline: the Content-Security-Policy
allows only ``/static/app.js``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from searchpod.model import Cue, Episode
from searchpod.query.moments import Moment, MomentResults
from searchpod.query.snippets import highlight_spans
from searchpod.text.highlight import mark
from searchpod.text.safe import escape_html, safe_url

FILTERS = (
    ("show", "Show", "any show"),
    ("host", "Host", "any host"),
    ("speaker", "Speaker", "anyone"),
    ("since", "From", "2021 or 2021-04-30"),
    ("until", "To", "2023 or 2023-12-31"),
)


def clock(seconds: float | None) -> str:
    """``12:35`` or ``1:02:03`` for a time in seconds; "" when unknown."""
    if seconds is None:
        return ""
    s = int(seconds)
    h, m, s = s // 3600, s % 3600 // 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def episode_path(episode_id: str, at: float | None = None, query: str = "") -> str:
    """Our own link to an episode's page, at a moment: ``/e/{id}?t=755`` (a share link)."""
    params = {}
    if at is not None:
        params["t"] = str(int(at))
    if query:
        params["q"] = query
    return f"/e/{quote(episode_id, safe='/')}" + (f"?{urlencode(params)}" if params else "")


def media_at(url: str | None, at: float | None) -> str | None:
    """A safe media URL starting at ``at`` seconds (a ``#t=`` media fragment), or None."""
    url = safe_url(url)
    if url is None:
        return None
    parts = urlsplit(url)
    fragment = f"t={int(at)}" if at is not None else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, fragment))


def layout(title: str, body: str, params: Mapping[str, str] | None = None) -> str:
    """The whole document: header with the search form, ``body`` as main, the audio player."""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape_html(title)}</title>"
        '<link rel="stylesheet" href="/static/app.css">'
        '<script src="/static/app.js" defer></script>'
        "</head><body>"
        '<a class="skip" href="#main">Skip to results</a>'
        f"<header>{search_form(params or {})}</header>"
        f'<main id="main" tabindex="-1">{body}</main>'
        '<div class="player" id="player" hidden>'
        '<p class="now" id="now-playing" aria-live="polite"></p>'
        '<audio id="audio" controls preload="none"></audio>'
        "</div>"
        "</body></html>\n"
    )


def search_form(params: Mapping[str, str]) -> str:
    def value(name: str) -> str:
        return escape_html(params.get(name, ""))

    filters = "".join(
        f'<label>{label} <input name="{name}" value="{value(name)}" '
        f'placeholder="{escape_html(hint)}" maxlength="200" autocomplete="off"></label>'
        for name, label, hint in FILTERS
    )
    opened = " open" if any(params.get(name) for name, _, _ in FILTERS) else ""
    return (
        '<form class="search" role="search" action="/" method="get">'
        '<a class="brand" href="/">searchpod</a>'
        '<label class="visually-hidden" for="q">Search what was said</label>'
        f'<input id="q" name="q" type="search" value="{value("q")}" maxlength="1000" '
        'placeholder="Search what was said (press / to focus)" autocomplete="off" '
        'aria-keyshortcuts="/">'
        '<button type="submit">Search</button>'
        f'<details class="filters"{opened}><summary>Filters</summary>'
        f'<div class="filter-fields">{filters}</div></details>'
        "</form>"
    )


def home(stats_line: str) -> str:
    return (
        '<section class="intro"><h1>Find the moment</h1>'
        f"<p>{escape_html(stats_line)}</p>"
        "<p>Type a few words someone said. Press a time to play from there; "
        "share a moment with its link.</p></section>"
    )


_RELAXED = "Few episodes hold every word: moments from episodes holding most of them follow."


def moments_page(
    results: MomentResults, media: Mapping[str, str | None], params: Mapping[str, str]
) -> str:
    """Results: one list item per moment, with its time, speaker and highlighted words."""
    query = results.query
    shown = len(results.moments)
    first = (results.page - 1) * results.limit + 1
    if not shown and results.total:
        summary = f"No more moments for “{query}”: all {results.total} are on earlier pages."
    elif not shown and results.episodes:
        summary = (
            f"No moments for “{query}”: it matches {results.episodes} episode"
            f"{'s' if results.episodes != 1 else ''} only in titles or summaries."
        )
    elif not shown:
        summary = f"No moments for “{query}”."
    else:
        summary = (
            f"Moments {first}–{first + shown - 1} of {results.total} "
            f"from {results.episodes} episode{'s' if results.episodes != 1 else ''} for “{query}”."
        )
    parts = [
        '<h1 class="visually-hidden">Search results</h1>',
        f'<p class="summary" id="summary">{escape_html(summary)}</p>',
    ]
    if results.suggestion:
        link = "/?" + urlencode({**params, "q": results.suggestion, "page": "1"})
        parts.append(
            f'<p class="suggestion">Did you mean <a href="{escape_html(link)}">'
            f"{escape_html(results.suggestion)}</a>?</p>"
        )
    parts.extend(f'<p class="warning">{escape_html(w)}</p>' for w in results.warnings)
    if results.relaxed:
        parts.append(f'<p class="warning">{escape_html(_RELAXED)}</p>')
    parts.append('<ol class="results" id="results">')
    parts.extend(_moment_item(m, media.get(m.id), query) for m in results.moments)
    parts.append("</ol>")
    parts.append(_pager(results, params))
    return "".join(parts)


def _moment_item(moment: Moment, media_url: str | None, query: str) -> str:
    share = episode_path(moment.id, moment.start, query)
    meta = " · ".join(
        escape_html(p)
        for p in (
            moment.show,
            f"episode {moment.episode}" if moment.episode is not None else None,
            moment.published.isoformat() if moment.published else None,
        )
        if p
    )
    said = mark(moment.text, moment.highlights, "<mark>", "</mark>", escape=True)
    speaker = (
        f'<span class="speaker">{escape_html(moment.speaker)}:</span> ' if moment.speaker else ""
    )
    return (
        '<li class="moment">'
        f'<h2><a href="{escape_html(episode_path(moment.id, query=query))}">'
        f"{escape_html(moment.title or moment.id)}</a></h2>"
        + (f'<p class="meta">{meta}</p>' if meta else "")
        + '<p class="said">'
        + _time_link(moment.id, moment.start, media_url, query, moment.title)
        + f"{speaker}{said}</p>"
        + (
            f'<p class="share"><a class="share-link" href="{escape_html(share)}">'
            "Link to this moment</a></p>"
            if moment.start is not None
            else ""
        )
        + "</li>"
    )


def _time_link(
    episode_id: str, at: float | None, media_url: str | None, query: str, title: str
) -> str:
    """A time that plays the audio from there (with JS), else opens the episode at it."""
    if at is None:
        return ""
    href = escape_html(episode_path(episode_id, at, query))
    media = safe_url(media_url)
    data = (
        f' data-media="{escape_html(media)}" data-start="{at:g}" data-title="{escape_html(title)}"'
        if media
        else ""
    )
    label = f"Play from {clock(at)}" if media else f"Open at {clock(at)}"
    return f'<a class="time" href="{href}"{data} aria-label="{escape_html(label)}">{clock(at)}</a> '


def _pager(results: MomentResults, params: Mapping[str, str]) -> str:
    links = []
    if results.page > 1:
        prev = "/?" + urlencode({**params, "page": str(results.page - 1)})
        links.append(f'<a rel="prev" href="{escape_html(prev)}">← Previous</a>')
    if results.page * results.limit < results.total:
        nxt = "/?" + urlencode({**params, "page": str(results.page + 1)})
        links.append(f'<a rel="next" href="{escape_html(nxt)}">Next →</a>')
    return f'<nav class="pager" aria-label="Pages">{" ".join(links)}</nav>' if links else ""


def episode_page(episode: Episode, at: float | None, query: str, terms: frozenset[str]) -> str:
    """One episode: header, links, audio ready at ``at``, the transcript with that line marked."""
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
    media = media_at(episode.media_url, at)
    page_url = safe_url(episode.url)
    links = []
    if page_url:
        links.append(f'<a href="{escape_html(page_url)}" rel="noreferrer">Episode page</a>')
    if query:
        back = "/?" + urlencode({"q": query})
        links.append(f'<a href="{escape_html(back)}">Back to results</a>')
    player = (
        f'<audio id="episode-audio" class="episode-audio" controls preload="metadata" '
        f'src="{escape_html(media)}"'
        + (f' data-start="{at:g}"' if at is not None else "")
        + "></audio>"
        if media
        else ""
    )
    summary = f'<p class="summary">{_marked(episode.summary, terms)}</p>' if episode.summary else ""
    return (
        '<article class="episode">'
        f"<h1>{_marked(episode.title or episode.id, terms)}</h1>"
        + (f'<p class="meta">{meta}</p>' if meta else "")
        + (f'<p class="links">{" · ".join(links)}</p>' if links else "")
        + player
        + summary
        + _transcript(episode, at, query, terms, bool(media))
        + "</article>"
    )


def current_cue(cues: Sequence[Cue], at: float | None) -> int | None:
    """Index of the cue being said at ``at`` seconds: the last one starting at or before it.

    Share links carry whole seconds (``t=3808`` for a moment at 3808.16 s), so for a whole
    ``at`` a line starting within that second is the one meant.
    """
    if at is None:
        return None
    timed = [(c.start, i) for i, c in enumerate(cues) if c.start is not None]
    if not timed:
        return None
    starts = [s for s, _ in timed]
    whole = float(at).is_integer()
    i = (bisect_left(starts, at + 1) if whole else bisect_right(starts, at)) - 1
    return timed[max(i, 0)][1]


def _transcript(
    episode: Episode, at: float | None, query: str, terms: frozenset[str], playable: bool
) -> str:
    if not episode.cues:
        return "".join(f"<p>{_marked(p, terms)}</p>" for p in _paragraphs(episode.body))
    current = current_cue(episode.cues, at)
    lines = []
    for i, cue in enumerate(episode.cues):
        attrs = f' id="c{i}" class="cue'
        attrs += ' current" aria-current="true"' if i == current else '"'
        time = ""
        if cue.start is not None:
            href = escape_html(episode_path(episode.id, cue.start, query))
            play = f' data-start="{cue.start:g}"' if playable else ""
            time = f'<a class="time" href="{href}"{play}>{clock(cue.start)}</a> '
        speaker = (
            f'<span class="speaker">{escape_html(cue.speaker)}:</span> ' if cue.speaker else ""
        )
        lines.append(f"<li{attrs}>{time}{speaker}{_marked(cue.text, terms)}</li>")
    return f'<ol class="transcript" id="transcript">{"".join(lines)}</ol>'


def _paragraphs(body: str) -> Iterable[str]:
    return (p.strip() for p in body.split("\n") if p.strip())


def _marked(text: str, terms: frozenset[str]) -> str:
    return mark(text, highlight_spans(text, terms), "<mark>", "</mark>", escape=True)


def error_page(message: str) -> str:
    return f'<p class="error" role="alert">{escape_html(message)}</p>'
