"""Snippets: choose the best short passages of a body from the matches' character offsets.

Offsets come from the index (stored with each posting), so a 2-hour transcript is never
re-analysed to highlight it, and a match at its very end is found like one at its start.
"""

from __future__ import annotations

import html
import itertools
from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from searchpod.model import Snippet
from searchpod.schema import Timing

SNIPPET_CHARS = 200
MAX_SNIPPETS = 3


class Match(NamedTuple):
    """One occurrence of a query term in the body: token position, character span, term."""

    pos: int
    start: int
    end: int
    term: str


def build_snippets(
    body: str,
    matches: Sequence[Match],
    *,
    timing: Timing | None = None,
    link_base: str | None = None,
    width: int = SNIPPET_CHARS,
    count: int = MAX_SNIPPETS,
) -> tuple[Snippet, ...]:
    """Up to ``count`` non-overlapping snippets, best first.

    A window scores by how many different query terms it holds, then by terms standing
    next to each other (phrases), then by how many matches it holds.
    """
    ordered = sorted(set(matches), key=lambda m: m.start)
    snippets: list[Snippet] = []
    while ordered and len(snippets) < count:
        lo, hi = _best_window(ordered, width)
        chosen = ordered[lo:hi]
        snippets.append(_snippet(body, chosen, width, timing, link_base))
        # Later snippets must not repeat this passage.
        left, right = chosen[0].start - width, chosen[-1].end + width
        ordered = [m for m in ordered if m.end <= left or m.start >= right]
    return tuple(snippets)


def _best_window(ordered: Sequence[Match], width: int) -> tuple[int, int]:
    best: tuple[int, int, int] | None = None
    best_range = (0, 1)
    hi = 0
    for lo in range(len(ordered)):
        hi = max(hi, lo + 1)
        while hi < len(ordered) and ordered[hi].end - ordered[lo].start <= width:
            hi += 1
        window = ordered[lo:hi]
        adjacent = sum(
            1 for a, b in itertools.pairwise(window) if b.pos == a.pos + 1 and a.term != b.term
        )
        score = (len({m.term for m in window}), adjacent, len(window))
        if best is None or score > best:
            best, best_range = score, (lo, hi)
    return best_range


def _snippet(
    body: str,
    chosen: Sequence[Match],
    width: int,
    timing: Timing | None,
    link_base: str | None,
) -> Snippet:
    first, last = chosen[0].start, chosen[-1].end
    slack = max(0, width - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(body), last + slack - (first - start))
    start = max(0, start - (width - (end - start)))  # use the room left at the body's end
    start, end = _snap_to_words(body, start, end, first, last)
    text = body[start:end].replace("\n", " ")
    highlights = tuple((m.start - start, m.end - start) for m in chosen)
    when, until, speaker = _timing_of(timing, first, last)
    link = f"{link_base}#t={int(when)}" if link_base and when is not None else None
    return Snippet(text=text, highlights=highlights, start=when, end=until, speaker=speaker,
                   link=link)  # fmt: skip


def _snap_to_words(body: str, start: int, end: int, first: int, last: int) -> tuple[int, int]:
    # Never cut a word in two: move inwards to whitespace, but never past a match.
    if start > 0 and not body[start - 1].isspace():
        space = body.find(" ", start, first)
        newline = body.find("\n", start, first)
        cuts = [c for c in (space, newline) if c != -1]
        start = min(cuts) + 1 if cuts else first
    if end < len(body) and not body[end].isspace():
        cut = max(body.rfind(" ", last, end), body.rfind("\n", last, end))
        end = cut if cut != -1 else last
    while start < first and body[start].isspace():
        start += 1
    while end > last and body[end - 1].isspace():
        end -= 1
    return start, end


def _timing_of(
    timing: Timing | None, first: int, last: int
) -> tuple[float | None, float | None, str | None]:
    if timing is None or not timing.offsets:
        return None, None, None
    i = bisect_right(timing.offsets, first) - 1
    if i < 0:
        return None, None, None  # the match is in the page's text, before the transcript
    j = max(i, bisect_right(timing.offsets, last) - 1)
    return timing.starts[i], timing.ends[j], timing.speaker(i)


def highlight_spans(text: str, terms: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` whose analysed form is one of ``terms`` (for short fields)."""
    from searchpod.analysis import TOKEN_PATTERN, stem

    if not terms or not text:
        return ()
    return tuple(
        (m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text) if stem(m.group()) in terms
    )


def mark(text: str, highlights: Sequence[tuple[int, int]], before: str, after: str,
         escape: bool = False) -> str:  # fmt: skip
    """``text`` with each highlight wrapped in ``before``/``after``; ``escape`` for HTML."""
    out: list[str] = []
    at = 0
    conv = html.escape if escape else str
    for s, e in sorted(highlights):
        if s < at:
            continue  # overlapping spans: the first one wins
        out.append(conv(text[at:s]))
        out.append(before + conv(text[s:e]) + after)
        at = e
    out.append(conv(text[at:]))
    return "".join(out)
