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
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

from searchpod.errors import IngestError
from searchpod.ingest.textpage import page_from_lines, parse_date
from searchpod.model import Page

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
)
_NOISE_HINT = re.compile(
    r"cookie|consent|gdpr|newsletter|subscribe|breadcrumb|share|social|related|promo|advert"
    r"|\bads?\b|sidebar|skip-link|comments?\b|site-nav|menu",
    re.I,
)
_NOISE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_BLOCK_TAGS = frozenset(
    """p div section article main header h1 h2 h3 h4 h5 h6 li ul ol table thead tbody tfoot
    tr dl dt dd blockquote pre figure figcaption hr address details summary body html""".split()
)
_LABEL_HINT = re.compile(r"label|key|term|name|field", re.I)
_EPISODE_TYPES = frozenset(
    {
        "podcastepisode",
        "episode",
        "radioepisode",
        "tvepisode",
        "article",
        "blogposting",
        "newsarticle",
        "creativework",
        "webpage",
    }
)
_WS = re.compile(r"\s+")


def parse_html_page(html: str, source: str) -> Page:
    """Parse an HTML episode page. Raises IngestError when the page is not one."""
    soup = BeautifulSoup(html, "lxml")
    ld = _json_ld(soup)
    meta = _meta_tags(soup)
    canonical = soup.find("link", rel="canonical")
    # Read now: noise removal below drops <link> elements.
    canonical_href = str(canonical.get("href")) if isinstance(canonical, Tag) else None
    _remove_noise(soup)
    h1 = soup.find("h1")
    start = h1 if isinstance(h1, Tag) else (soup.body or soup)
    lines = list(_render(soup.body or soup, start=start))
    title = (
        None
        if isinstance(h1, Tag)
        else _first(ld.get("name"), ld.get("headline"), meta.get("og:title"), _title_tag(soup))
    )
    try:
        page = page_from_lines(lines, source, title=title)
    except IngestError:
        page = _page_from_structured(ld, meta, source)
        if page is None:
            raise
        return page

    author = ld.get("author") or ld.get("actor")
    series = ld.get("partOfSeries") if isinstance(ld.get("partOfSeries"), dict) else {}
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
        url=page.url
        or _first(
            ld.get("url"),
            meta.get("og:url"),
            canonical_href,
        ),
        media_url=page.media_url or _first(_media_url(ld), meta.get("og:audio")),
    )


def _page_from_structured(ld: dict[str, Any], meta: dict[str, str], source: str) -> Page | None:
    # A page without the visible sections can still be an episode when its JSON-LD says so.
    kind = str(ld.get("@type", "")).lower()
    body = _first(ld.get("articleBody"), ld.get("transcript"))
    title = _first(ld.get("name"), ld.get("headline"), meta.get("og:title"))
    if kind not in {"podcastepisode", "episode", "radioepisode"} or not body or not title:
        return None
    series = ld.get("partOfSeries") if isinstance(ld.get("partOfSeries"), dict) else {}
    from searchpod.ingest.textpage import _episode_number

    return Page(
        title=title,
        body=_text(body),
        show=_first(series.get("name"), meta.get("og:site_name")),
        episode=_int(ld.get("episodeNumber")) or _episode_number(title, {}),
        host=_person_name(ld.get("author") or ld.get("actor")),
        summary=_first(ld.get("description"), meta.get("og:description")) or "",
        published=parse_date(ld.get("datePublished")),
        url=_first(ld.get("url"), meta.get("og:url")),
        media_url=_media_url(ld),
    )


def _remove_noise(soup: BeautifulSoup) -> None:
    for el in soup.find_all(_NOISE_TAGS):
        el.decompose()
    for el in soup.find_all(
        string=lambda s: isinstance(s, (Comment, Doctype, ProcessingInstruction))
    ):
        el.extract()
    for el in soup.find_all(True):
        if el.decomposed or el.attrs is None:
            continue
        hints = " ".join([*el.get("class", []), el.get("id", "")])
        role = str(el.get("role", "")).lower()
        noisy = role in _NOISE_ROLES or (hints and _NOISE_HINT.search(hints))
        # A <header> often holds the title: drop it only when it has no <h1>.
        if el.name == "header" and not el.find("h1"):
            noisy = True
        if noisy and not el.find("h1"):
            el.decompose()


def _render(root: Tag, *, start: Tag) -> Iterator[str]:
    """Lines of text, blocks separated by blank lines, starting at ``start``."""
    lines: list[str] = []
    current: list[str] = []
    started = start is root

    def flush() -> None:
        text = _WS.sub(" ", "".join(current)).strip()
        current.clear()
        if text:
            lines.append(text)

    def block_break() -> None:
        flush()
        if lines and lines[-1] != "":
            lines.append("")

    def walk(el: Tag) -> None:
        nonlocal started
        for child in el.children:
            if isinstance(child, NavigableString):
                if started:
                    current.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            if child is start:
                started = True
            if child.name == "br":
                flush()
                continue
            if child.name in _BLOCK_TAGS:
                row = _row_cells(child)
                if row is not None:
                    block_break()
                    if started:
                        lines.append("| " + " | ".join(row) + " |")
                    continue
                block_break()
                walk(child)
                block_break()
            else:
                walk(child)

    walk(root)
    flush()
    yield from lines


def _row_cells(el: Tag) -> list[str] | None:
    """Cells when an element is a table row or a two-part label/value row, else None."""
    if el.name == "tr":
        cells = [_text(c.get_text(" ")) for c in el.find_all(["th", "td"], recursive=False)]
        return cells if any(cells) else []
    if el.name in {"table", "thead", "tbody", "dl", "ul", "ol", "html", "body"}:
        return None
    kids = [c for c in el.children if isinstance(c, Tag)]
    loose_text = "".join(str(c) for c in el.children if isinstance(c, NavigableString)).strip()
    if len(kids) != 2 or loose_text:
        return None
    label, value = _text(kids[0].get_text(" ")), _text(kids[1].get_text(" "))
    is_label = label.endswith(":") or _LABEL_HINT.search(" ".join(kids[0].get("class", [])))
    if kids[0].name == "dt" or (is_label and 0 < len(label) <= 40 and value):
        return [label, value]
    return None


def _json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    """The JSON-LD object that describes the episode, or {}."""
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue  # broken JSON-LD is common; the visible page still counts
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    for item in found:
        kinds = item.get("@type", "")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(str(k).lower() in _EPISODE_TYPES for k in kinds):
            return item
    return {}


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name")
        if key and tag.get("content"):
            out.setdefault(str(key).lower(), _text(str(tag["content"])))
    return out


def _title_tag(soup: BeautifulSoup) -> str | None:
    return _text(soup.title.get_text()) if soup.title else None


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


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _text(value: str) -> str:
    return _WS.sub(" ", value).strip()
