"""Untimed transcripts: plain text, or an HTML page that is nothing but the transcript."""

from __future__ import annotations

import warnings

from searchpod.errors import IngestError
from searchpod.ingest.cues import clean_text, collapse_spaces, split_speaker
from searchpod.model import Cue, Transcript

_HTML_BLOCKS = (
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "section", "article", "dd", "dt",
)  # fmt: skip
_HTML_NOISE = ("script", "style", "noscript", "template", "head", "nav", "footer")


def parse_plain_transcript(text: str, source: str, *, title: str | None = None) -> Transcript:
    """One untimed cue per paragraph (or per line that opens with a ``Name:`` label).

    A paragraph without a label keeps the speaker of the one before it.
    Raises IngestError naming ``source`` when there is no text.
    """
    cues: list[Cue] = []
    speaker: str | None = None
    lines: list[str] = []

    def flush() -> None:
        nonlocal speaker
        label, body = split_speaker(" ".join(lines))
        lines.clear()
        if label is not None:
            speaker = label
        body = collapse_spaces(body)
        if body:
            cues.append(Cue(body, speaker=speaker))

    for raw in text.splitlines():
        line = raw.strip()
        # A labelled line starts a new turn even without a blank line before it.
        if not line or (lines and split_speaker(line)[0] is not None):
            flush()
        if line:
            lines.append(line)
    flush()
    if not cues:
        raise IngestError(source, "no transcript text")
    return Transcript(tuple(cues), title=title)


def parse_html_transcript(text: str, source: str) -> Transcript:
    """The visible text of an HTML transcript page, read as a plain transcript.

    Block elements become paragraphs; scripts, styles, navigation and the ``<head>`` are
    dropped; the page ``<title>`` becomes the transcript's title.
    """
    # Imported here: only HTML transcripts need BeautifulSoup.
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
    from bs4.builder import XMLParsedAsHTMLWarning

    from searchpod.ingest.htmlpage import check_markup_size

    check_markup_size(text, source)
    try:
        with warnings.catch_warnings():
            # A short text that looks like a URL, or XHTML: parsed as given, nothing to warn.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(text, "lxml")
        title_tag = soup.title
        title = clean_text(title_tag.get_text()) if title_tag else ""
        for tag in soup.find_all(_HTML_NOISE):
            tag.decompose()
        for tag in soup.find_all("br"):
            tag.replace_with("\n")
        for tag in soup.find_all(_HTML_BLOCKS):
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
        body = soup.get_text()
    except Exception as exc:  # BeautifulSoup/lxml failures, whatever their type
        raise IngestError(source, f"unreadable HTML ({type(exc).__name__})") from exc
    return parse_plain_transcript(body, source, title=title or None)
