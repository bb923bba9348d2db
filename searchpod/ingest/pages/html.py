"""Episode pages as HTML, in any reasonable markup.

The page is cleaned of what is not content (navigation, footers, scripts, styles, cookie
banners), rendered into the same lines as the plain-text form (tables and label/value grids
become ``| label | value |`` rows) and read by ``textpage.page_from_lines``. Structured
metadata (JSON-LD, OpenGraph) fills in or corrects what the visible page leaves out.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from bs4.element import NavigableString, PageElement, PreformattedString

from searchpod.errors import IngestError
from searchpod.ingest.files import check_markup_size
from searchpod.ingest.pages.text import (
    _BODY_HEADINGS,
    _BYLINE,
    _HOST_HEADINGS,
    _SUMMARY_HEADINGS,
    _episode_number,
    _heading,
    page_from_lines,
    parse_date,
)
from searchpod.ingest.transcripts.cues import collapse_spaces
from searchpod.model import Page, Transcript
from searchpod.text.safe import safe_url

_NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "input",
    "dialog",
    "link",
    "meta",
    # A player's fallback text ("your browser cannot play audio") is not content.
    "audio",
    "video",
    "object",
)
_NOISE_HINT = re.compile(
    r"cookie|consent|gdpr|newsletter|subscribe|breadcrumb|share|social|related|promo|advert"
    r"|\bads?\b|sidebar|skip-link|comments?\b|site-nav|\bnav(?:bar)?\b|menu|footer",
    re.I,
)
_NOISE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
)
_BLOCK_TAGS = frozenset(
    """p div section article main header h1 h2 h3 h4 h5 h6 li ul ol table thead tbody tfoot
    tr td th caption dl dt dd blockquote pre figure figcaption hr address details summary body
    html""".split()
)
_LAYOUT_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "table", "main", "article", "section")
_LABEL_HINT = re.compile(r"label|key|term|name|field", re.I)
# Labels that open a section of the page rather than name one value.
_SECTION_HEADINGS = _BODY_HEADINGS | _HOST_HEADINGS | _SUMMARY_HEADINGS
# Most specific first: a page's @graph often lists its WebPage before the PodcastEpisode.
_EPISODE_TYPES = (
    "podcastepisode",
    "episode",
    "radioepisode",
    "tvepisode",
    "article",
    "blogposting",
    "newsarticle",
    "creativework",
    "webpage",
)
_STRUCTURED_EPISODES = frozenset(_EPISODE_TYPES[:3])
_DATELINE_MAX = 80
# Blocks a dateline never holds (a details table with a date in it is details).
_NOT_DATELINES = frozenset(
    "h1 h2 h3 table thead tbody tr dl dt dd ul ol li blockquote pre main article body".split()
)
_WS = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")
# A label ("Host:") is a few words: looking further into an element costs, on deeply nested
# markup, time quadratic in its depth.
_LABEL_MAX_NODES = 64


def parse_html_page(html: str, source: str) -> Page:
    """Parse an HTML episode page. Raises IngestError when the page is not one."""
    if not html.strip():
        raise IngestError(source, "empty file")
    check_markup_size(html, source)
    soup = _soup(html)
    ld = _json_ld(soup)
    meta = _meta_tags(soup)
    # Read now: noise removal below drops <link>, <audio> and <video> elements.
    canonical = soup.find("link", rel="canonical")
    canonical_href = _first(canonical.get("href")) if isinstance(canonical, Tag) else None
    player_src = _player_src(soup)
    h1 = _main_heading(soup)
    _remove_noise(soup, keep=h1)
    root = soup.body or soup
    lines = _render(root, start=h1 or root)
    # Without an <h1>, structured data names the page better than the <title> element, which
    # usually carries the site's name too; failing both, the first visible line is the title.
    title = None if h1 else _first(ld.get("name"), ld.get("headline"), meta.get("og:title"))
    try:
        page = page_from_lines(lines, source, title=title)
    except IngestError:
        structured = _page_from_structured(ld, meta, source)
        if structured is None:
            raise
        return structured

    author = ld.get("author") or ld.get("actor")
    series = _dict(ld.get("partOfSeries"))
    return dataclasses.replace(
        page,
        title=_first(page.title, ld.get("name"), meta.get("og:title")) or page.title,
        show=_first(page.show, series.get("name"), meta.get("og:site_name")),
        host=_first(page.host, _person_name(author)),
        summary=_first(page.summary, ld.get("description"), meta.get("og:description")) or "",
        episode=page.episode if page.episode is not None else _int(ld.get("episodeNumber")),
        published=page.published
        or parse_date(
            _first(ld.get("datePublished"), meta.get("article:published_time"), _time_tag(soup))
        ),
        url=page.url or _first_url(ld.get("url"), meta.get("og:url"), canonical_href),
        media_url=page.media_url or _first_url(_media_url(ld), meta.get("og:audio"), player_src),
    )


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # A file holding only a URL or a file name is not a page, and the IngestError that
        # follows says so; bs4's warning about it would only clutter the user's terminal.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        try:
            return BeautifulSoup(html, "lxml")
        except UnicodeEncodeError:
            # lxml takes UTF-8, so lone surrogates (from surrogateescape) cannot reach it.
            html = html.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            return BeautifulSoup(html, "lxml")


def _page_from_structured(ld: dict[str, Any], meta: dict[str, str], source: str) -> Page | None:
    # A page without the visible sections can still be an episode when its JSON-LD says so.
    body = _first(ld.get("articleBody"), ld.get("transcript"))
    title = _first(ld.get("name"), ld.get("headline"), meta.get("og:title"))
    if not _STRUCTURED_EPISODES & set(_types(ld)) or not body or not title:
        return None
    series = _dict(ld.get("partOfSeries"))
    return Page(
        title=title,
        body=_text(body),
        show=_first(series.get("name"), meta.get("og:site_name")),
        episode=_int(ld.get("episodeNumber")) or _episode_number(title, {}),
        host=_person_name(ld.get("author") or ld.get("actor")),
        summary=_first(ld.get("description"), meta.get("og:description")) or "",
        published=parse_date(ld.get("datePublished")),
        url=_first_url(ld.get("url"), meta.get("og:url")),
        media_url=_first_url(_media_url(ld)),
    )


def _main_heading(soup: BeautifulSoup) -> Tag | None:
    """The episode's <h1>: the one in the main content when the site's name is an <h1> too."""
    h1 = soup.select_one("main h1, article h1, [role=main] h1")
    if isinstance(h1, Tag):
        return h1
    # A static site's <h1> is often its own name in the masthead; the episode's title is
    # then the article's first heading.
    first = soup.find("h1")
    if not isinstance(first, Tag):
        return None
    if first.find_parent(["header", "nav"]) is None:
        return first
    for h2 in soup.select("main h2, article h2, [role=main] h2", limit=4):
        if _heading(_text(h2.get_text(" "))) not in _SECTION_HEADINGS:
            return h2
    return first


def _remove_noise(soup: BeautifulSoup, *, keep: Tag | None) -> None:
    """Drop what is not content, sparing the elements that hold ``keep`` (the title).

    One walk, skipping what is already dropped: bs4's ``find`` per element (which
    ``Tag.decomposed`` does, via ``__getattr__``) made this quadratic on deep pages.
    """
    spared = {id(keep), *(id(p) for p in keep.parents)} if keep is not None else set()
    # Each element comes with whether it is inside <main> or <article>: asking its parents
    # instead costs, on headers nested thousands deep, time quadratic in the depth.
    todo = [(c, False) for c in soup.contents if isinstance(c, Tag)]
    while todo:
        el, in_main = todo.pop()
        if _is_noise(el, in_main) and id(el) not in spared:
            el.decompose()
        else:
            in_main = in_main or el.name in ("main", "article")
            todo.extend((c, in_main) for c in el.contents if isinstance(c, Tag))


def _is_noise(el: Tag, in_main: bool) -> bool:
    if el.name == "form":
        # ASP.NET pages wrap the whole page in one <form>; only a small form is furniture.
        return _first_tag(el, {"main", "article", "h1", "h2", "h3"}) is None
    if el.name in _NOISE_TAGS:
        return True
    if el.name == "header" and not in_main:
        return True  # the site's masthead, not an article's own header
    hints = " ".join([*_classes(el), str(el.get("id", ""))])
    return str(el.get("role", "")).lower() in _NOISE_ROLES or bool(
        hints and _NOISE_HINT.search(hints)
    )


def _render(root: Tag, *, start: Tag) -> list[str]:
    """Lines of text, blocks separated by blank lines, from ``start`` on.

    Walks with an explicit stack: pages nested thousands of <div>s deep exist, and
    recursion would overflow on them.
    """
    lines: list[str] = []
    current: list[str] = []
    started = start is root
    in_body = False
    end_of_block = None  # a marker pushed after a block's children

    def flush() -> None:
        nonlocal in_body
        text = collapse_spaces("".join(current))
        current.clear()
        if text:
            lines.append(text)
            in_body = in_body or (len(text) < 40 and _heading(text) in _BODY_HEADINGS)

    def block_break() -> None:
        flush()
        if lines and lines[-1] != "":
            lines.append("")

    todo: list[PageElement | None] = list(reversed(root.contents))
    while todo:
        node = todo.pop()
        if node is end_of_block:
            block_break()
        elif isinstance(node, NavigableString):
            # Comments, doctypes and processing instructions are strings to bs4, but not text.
            if started and not isinstance(node, PreformattedString):
                current.append(str(node))
        elif isinstance(node, Tag):
            started = started or node is start
            if node.name == "br":
                flush()
                continue
            if node.name not in _BLOCK_TAGS:
                todo.extend(reversed(node.contents))
                continue
            block_break()
            rows = _rows(node)
            if rows is not None:
                if started:
                    lines.extend("| " + " | ".join(row) + " |" for row in rows)
                continue
            if started and not in_body and _is_dateline(node, start):
                # "<time datetime=…>Tuesday</time> · 41 min" under the title is not summary
                # prose; the date is read from the <time> element itself.
                continue
            todo.append(end_of_block)
            todo.extend(reversed(node.contents))
    flush()
    return lines


def _is_dateline(el: Tag, start: Tag) -> bool:
    """A short block holding a ``<time datetime>``: the date (and author, and reading time)
    under a title, not summary prose nor a label/value pair."""
    if el.name in _NOT_DATELINES:
        return False
    # One bounded walk, stopping at what cannot be in a dateline: bs4's find() with a list
    # of names builds its matcher anew per call, and deep markup must stay linear.
    has_time = False
    length = 0
    for count, node in enumerate(_nodes(el)):
        if count > _LABEL_MAX_NODES or node is start:
            return False
        if isinstance(node, Tag):
            if node.name in _NOT_DATELINES:
                return False
            has_time = has_time or (node.name == "time" and node.has_attr("datetime"))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            length += len(node.strip())
            if length > _DATELINE_MAX:
                return False
    return has_time


def _rows(el: Tag) -> list[list[str]] | None:
    """``| label | value |`` rows for a table row, a <dl> or a label/value pair, else None."""
    if el.name == "dl":
        return _dl_rows(el)
    row = _row_cells(el)
    if row is None:
        return _grid_rows(el)
    return [row] if row else []


def _grid_rows(el: Tag) -> list[list[str]] | None:
    """Rows of a label/value grid laid out as sibling elements: label, value, label, ...

    Site builders emit such grids (``<div class="grid"><div>Seed data:</div><div>Link
    1</div>…``); each label ends with ":" or carries a label-like class.
    """
    if el.name in {"table", "thead", "tbody", "tr", "dl", "ul", "ol", "html", "body"}:
        return None
    kids = [c for c in el.children if isinstance(c, Tag)]
    if len(kids) < 4 or len(kids) % 2 or _loose_text(el):
        return None
    rows = []
    for label_el, value_el in zip(kids[::2], kids[1::2], strict=True):
        label, value = _text(label_el.get_text(" ")), _text(value_el.get_text(" "))
        if not (_is_label(label_el, label) and value) or value_el.find(_LAYOUT_TAGS):
            return None
        rows.append([label, value])
    return rows


def _loose_text(el: Tag) -> str:
    return "".join(str(c) for c in el.children if isinstance(c, NavigableString)).strip()


def _classes(el: Tag) -> list[str]:
    """``el``'s class names (bs4 gives a list, or a string for odd markup)."""
    value = el.get("class")
    if value is None:
        return []
    return value.split() if isinstance(value, str) else list(value)


def _is_label(el: Tag, text: str) -> bool:
    if not 0 < len(text) <= 40 or _heading(text) in _SECTION_HEADINGS:
        return False
    if ":" in text.rstrip(":"):
        return False  # "Eps 31: why moss grows" is a title, whatever its class says
    return text.endswith(":") or bool(_LABEL_HINT.search(" ".join(_classes(el))))


def _dl_rows(dl: Tag) -> list[list[str]] | None:
    # <dt>/<dd> may be children of the <dl> or wrapped in a <div> each (both are valid HTML).
    if _first_tag(dl, {"dl"}) is not None:
        # Nested lists are read as blocks: as rows, each level would repeat the text of
        # all the levels inside it (quadratic in the depth).
        return None
    rows: list[list[str]] = []
    for item in dl.find_all(["dt", "dd"]):
        text = _text(item.get_text(" "))
        if item.name == "dt":
            rows.append([text, ""])
        elif rows:
            rows[-1][1] = f"{rows[-1][1]} {text}".strip()
    rows = [r for r in rows if r[0] and r[1]]
    return rows or None


def _row_cells(el: Tag) -> list[str] | None:
    """Cells when an element is a table row or a two-part label/value row, else None."""
    if el.name == "tr":
        tds = el.find_all(["th", "td"], recursive=False)
        if any(_first_tag(td, set(_LAYOUT_TAGS)) for td in tds):
            return None  # a table laying out the page, as old sites do: read its cells as blocks
        cells = [_text(c.get_text(" ")) for c in tds]
        return cells if any(cells) else []
    if el.name in {"table", "thead", "tbody", "dl", "ul", "ol", "html", "body"}:
        return None
    kids = [c for c in el.children if isinstance(c, Tag)]
    if len(kids) != 2 or _loose_text(el):
        return None
    if kids[0].name == "dt":
        return [_text(kids[0].get_text(" ")), _text(kids[1].get_text(" "))]
    # The value's text only once the label qualifies: on markup nested thousands deep,
    # reading every level's text would be quadratic. A section label in one element and
    # its content in the next ("Podcast Content" then the rich text) are a heading and its
    # section, read as blocks.
    label = _label_text(kids[0])
    if label is None or not _is_label(kids[0], label):
        return None
    value = _text(kids[1].get_text(" "))
    if _BYLINE.match(value) and value[:1] in "—–-":
        return None  # a title and its byline ("— Stuff"), not a label and its value
    return [label, value] if value else None


def _label_text(el: Tag) -> str | None:
    """``el``'s text if it is small enough to be a label, else None (looking no further)."""
    parts = []
    for count, node in enumerate(_nodes(el)):
        if count > _LABEL_MAX_NODES:
            return None
        if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            parts.append(str(node))
    return _text(" ".join(parts))


def _nodes(el: Tag) -> Iterator[PageElement]:
    """``el``'s descendants in document order, lazily.

    Not bs4's ``descendants`` (nor ``find``, which uses it): it first walks to the last
    descendant, so even a search that stops at once costs the depth of the tree below.
    """
    todo = list(reversed(el.contents))
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, Tag):
            todo.extend(reversed(node.contents))


def _first_tag(el: Tag, names: set[str]) -> Tag | None:
    """The first element below ``el`` with one of ``names``, or None."""
    for node in _nodes(el):
        if isinstance(node, Tag) and node.name in names:
            return node
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    """The JSON-LD object that describes the episode, or {}."""
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError, RecursionError):
            continue  # broken JSON-LD is common; the visible page still counts
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    for kind in _EPISODE_TYPES:
        for item in found:
            if kind in _types(item):
                return item
    return {}


def _types(item: dict[str, Any]) -> list[str]:
    kinds = item.get("@type", "")
    return [str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])]


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name")
        if key and tag.get("content"):
            out.setdefault(str(key).lower(), _text(str(tag["content"])))
    return out


def _player_src(soup: BeautifulSoup) -> str | None:
    player = soup.find(["audio", "video"])
    if not isinstance(player, Tag):
        return None
    source = player.find("source", src=True)
    src = player.get("src") or (source.get("src") if isinstance(source, Tag) else None)
    return src if isinstance(src, str) and src.startswith(("http://", "https://")) else None


def _time_tag(soup: BeautifulSoup) -> str | None:
    tag = soup.find("time", datetime=True)
    return str(tag["datetime"]) if isinstance(tag, Tag) else None


def _person_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person_name(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    return _text(value) if isinstance(value, str) and value.strip() else None


def _media_url(ld: dict[str, Any]) -> str | None:
    media = ld.get("associatedMedia")
    if isinstance(media, list):
        media = media[0] if media else None
    if isinstance(media, dict):
        return _first(media.get("contentUrl"), media.get("url"))
    return None


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return _text(value)
    return None


def _first_url(*values: Any) -> str | None:
    # Only web links are kept: a javascript: or data: URL from a page must never be a link.
    return next((url for v in values if (url := safe_url(_first(v)))), None)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _text(value: str) -> str:
    # JSON-LD may escape lone surrogates ("\ud800"); they could not be written to the index.
    return _SURROGATES.sub("\ufffd", _WS.sub(" ", value)).strip()


def read_html_file(
    html: str, source: str, *, labels: bool = True
) -> tuple[Page | None, Transcript | None]:
    """An HTML file as what it is: an episode page, a transcript (times or speaker turns, as
    in the Podcast Index ``<cite>``/``<time>``/``<p>`` shape), or both — a page whose
    content is a timed transcript gives the page's fields and the transcript's cues.

    Raises IngestError "not an episode page or a transcript" when it is neither.
    """
    from searchpod.ingest.transcripts.plaintext import (
        parse_html_transcript,
        parse_plain_transcript,
        transcript_evidence,
    )

    check_markup_size(html, source)  # once, for both readings
    try:
        page = parse_html_page(html, source)
    except IngestError as exc:
        if exc.reason == "empty file":
            raise
        not_a_page = exc
    else:
        try:
            within = parse_plain_transcript(page.body, source, labels=labels)
        except IngestError:
            return page, None
        if sum(c.start is not None for c in within.cues) < 2:
            return page, None
        # The content is the transcript: its text is indexed once, as timed cues.
        return dataclasses.replace(page, body=""), within
    try:
        transcript = parse_html_transcript(html, source, labels=labels)
    except IngestError:
        transcript = None
    if transcript is not None and transcript_evidence(transcript):
        return None, transcript
    why = not_a_page.reason.removeprefix("not an episode page: ")
    raise IngestError(
        source, f"not an episode page or a transcript ({why}; no timed or labelled lines)"
    ) from not_a_page
