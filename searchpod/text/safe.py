"""Making text from pages, transcripts and feeds safe where it is shown: one function a sink.

Everything searchpod stores came from someone else's file or server. Whatever renders it — the
terminal, ``--format html``, JSON consumers, the web page — goes through one of these, so a
title, a name or a URL is made safe in one place and tested once.
"""

from __future__ import annotations

import html
import re
import urllib.parse

_WEB_SCHEMES = frozenset({"http", "https"})
# C0 and C1 controls, DEL, and the Unicode line/paragraph separators: each can move the cursor,
# recolour the terminal or forge a second output line.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else None.

    ``javascript:``, ``data:``, ``file:`` and scheme-relative or malformed URLs are dropped:
    a URL from a page or a feed is only ever a link to the web.

    >>> safe_url(" https://example.com/ep/1 ")
    'https://example.com/ep/1'
    >>> safe_url("javascript:alert(1)//") is None
    True
    """
    if not url:
        return None
    url = url.strip()
    if _CONTROLS.search(url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.hostname:
        return None
    return url


def escape_html(text: str) -> str:
    """``text`` for HTML element content or a quoted attribute value."""
    return html.escape(text, quote=True)


def terminal_safe(text: str) -> str:
    """``text`` for one line of a terminal: control characters shown as ``\\xNN`` escapes.

    A file name holding a newline cannot forge a second line, and an ``ESC[31m`` from a feed
    cannot recolour the terminal.
    """
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
