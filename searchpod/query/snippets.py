"""Snippets: choose the best short passages of a body from the matches' character offsets.

Offsets come from the index (stored with each posting), so a 2-hour transcript is never
re-analysed to highlight it, and a match at its very end is found like one at its start.
"""

from __future__ import annotations

import bisect
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from searchpod.engine.reader import phrase_starts
from searchpod.indexing.documents import Timing
from searchpod.model import Snippet
from searchpod.text.analysis import TOKEN_PATTERN

SNIPPET_CHARS = 200
MAX_SNIPPETS = 3


class Match(NamedTuple):
    """One occurrence of a query term in the body: token position, character span, term."""

    pos: int
    start: int
    end: int
    term: str


# Matches further apart in time than this never share a snippet (one time label each).
MAX_SNIPPET_SPAN_S = 30.0


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
    next to each other (phrases), then by how many matches it holds. In timed text a
    window stays within one stretch of time, so its time label is true for all of it.
    """
    ordered = sorted(set(matches), key=lambda m: m.start)
    zones = _Zones(body, timing)
    snippets: list[Snippet] = []
    while ordered and len(snippets) < count:
        lo, hi = _best_window(ordered, width, zones)
        snippet, left, right = _snippet(body, ordered[lo:hi], width, zones, link_base)
        snippets.append(snippet)
        # Later snippets must not repeat this passage.
        ordered = [m for m in ordered if m.end <= left or m.start >= right]
    return tuple(snippets)


class _Zones:
    """Where a match sits in time: the page's own text, or a cue of the transcript."""

    def __init__(self, body: str, timing: Timing | None) -> None:
        self.body_len = len(body)
        self.timing = timing if timing is not None and timing.offsets else None
        self._cues: dict[int, int] = {}

    def cue(self, char: int) -> int:
        """Index of the cue holding ``char``; -1 for the page text before the transcript."""
        if self.timing is None:
            return -1
        # The window search asks about the same matches many times.
        found = self._cues.get(char)
        if found is None:
            found = self._cues[char] = bisect_right(self.timing.offsets, char) - 1
        return found

    def compatible(self, a: Match, b: Match) -> bool:
        ca, cb = self.cue(a.start), self.cue(b.start)
        if ca == cb:
            return True
        if ca < 0 or cb < 0 or self.timing is None:
            return False
        return self._near(self.timing.starts[ca], self.timing.starts[cb])

    def bounds(self, first: int) -> tuple[int, int]:
        """The stretch of text a snippet whose first match is at ``first`` may cover."""
        if self.timing is None:
            return 0, self.body_len
        i = self.cue(first)
        offsets, starts = self.timing.offsets, self.timing.starts
        if i < 0:
            return 0, max(0, offsets[0] - 1)
        j = i
        while j + 1 < len(offsets) and self._near(starts[i], starts[j + 1]):
            j += 1
        return offsets[i], (offsets[j + 1] - 1 if j + 1 < len(offsets) else self.body_len)

    @staticmethod
    def _near(a: float | None, b: float | None) -> bool:
        return a is None or b is None or abs(b - a) <= MAX_SNIPPET_SPAN_S


def within_phrases(
    matches: Sequence[Match], phrases: Iterable[tuple[str, ...]], loose: frozenset[str]
) -> list[Match]:
    """``matches`` without the phrase words said outside their phrase.

    Words in ``loose`` (asked for on their own too) and words of no phrase are all kept.
    Positions count indexed words, so a phrase of n words starting at p has word i at p + i.
    """
    at: dict[str, set[int]] = {}
    for m in matches:
        at.setdefault(m.term, set()).add(m.pos)
    allowed: dict[str, set[int]] = {}
    for words in phrases:
        starts = phrase_starts([at.get(word, ()) for word in words])
        for i, word in enumerate(words):
            allowed.setdefault(word, set()).update(p + i for p in starts)
    return [
        m for m in matches if m.term in loose or m.term not in allowed or m.pos in allowed[m.term]
    ]


# How far (in words) a stop word is looked for from a placed word of its phrase.
_PLACE_REACH = 12


def place_stop_words(matches: Sequence[Match], text: str, by_position: set[Match]) -> list[Match]:
    """``matches`` with the characters of stop words found in ``text``.

    Stop terms are indexed with positions only: a stop word said next to a placed word of
    its phrase is found by counting words from it; one in ``by_position`` (positions that
    index ``text``'s own words) by counting from the start. Others are left out.
    """
    placed = sorted((m for m in matches if m.start >= 0), key=lambda m: m.pos)
    anchors = [m.pos for m in placed]
    out = list(placed)
    words: list[tuple[int, int]] | None = None
    for m in matches:
        if m.start >= 0:
            continue
        span = None
        i = bisect.bisect_left(anchors, m.pos)
        near = [placed[j] for j in (i - 1, i) if 0 <= j < len(placed)]
        near = [a for a in near if abs(a.pos - m.pos) <= _PLACE_REACH]
        if near:
            a = min(near, key=lambda a: abs(a.pos - m.pos))
            span = _word_from(text, a, m.pos - a.pos)
        elif m in by_position:
            if words is None:
                words = [w.span() for w in TOKEN_PATTERN.finditer(text)]
            span = words[m.pos] if m.pos < len(words) else None
        if span is not None:
            out.append(Match(m.pos, span[0], span[1], m.term))
    return out


def _word_from(text: str, anchor: Match, steps: int) -> tuple[int, int] | None:
    """The span of the word ``steps`` words after (before, if negative) ``anchor``'s."""
    if steps > 0:
        for n, w in enumerate(TOKEN_PATTERN.finditer(text, anchor.end), 1):
            if n == steps:
                return w.span()
        return None
    window = max(0, anchor.start - 40 * (1 - steps))
    found = [w.span() for w in TOKEN_PATTERN.finditer(text, window, anchor.start)]
    if window > 0:
        found = found[1:]  # the first may be the tail of a longer word
    return found[steps] if len(found) >= -steps else None


def proximity(matches: Sequence[Match], width: int = SNIPPET_CHARS) -> int:
    """The most different query terms found within ``width`` characters of each other."""
    ordered = sorted(matches, key=lambda m: m.start)
    lo = 0
    best = 0
    counts: dict[str, int] = {}
    for m in ordered:
        counts[m.term] = counts.get(m.term, 0) + 1
        while m.end - ordered[lo].start > width:
            term = ordered[lo].term
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
            lo += 1
        best = max(best, len(counts))
    return best


def _best_window(ordered: Sequence[Match], width: int, zones: _Zones) -> tuple[int, int]:
    """The run ``ordered[lo:hi]`` scoring best, found with two pointers in linear time."""
    best: tuple[int, int, int] | None = None
    best_range = (0, 1)
    counts: dict[str, int] = {}
    adjacent = 0
    hi = 0
    n = len(ordered)
    for lo in range(n):
        if hi <= lo:
            counts.clear()
            adjacent = 0
            hi = lo
        while hi < n and (
            hi == lo
            or (
                ordered[hi].end - ordered[lo].start <= width
                and zones.compatible(ordered[lo], ordered[hi])
            )
        ):
            counts[ordered[hi].term] = counts.get(ordered[hi].term, 0) + 1
            if hi > lo and _adjacent(ordered[hi - 1], ordered[hi]):
                adjacent += 1
            hi += 1
        score = (len(counts), adjacent, hi - lo)
        if best is None or score > best:
            best, best_range = score, (lo, hi)
        # Slide: drop ordered[lo] before the next round.
        term = ordered[lo].term
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
        if lo + 1 < hi and _adjacent(ordered[lo], ordered[lo + 1]):
            adjacent -= 1
    return best_range


def _adjacent(a: Match, b: Match) -> bool:
    # Neighbouring positions holding different terms: a phrase, or words used together.
    return b.pos == a.pos + 1 and a.term != b.term


def _snippet(
    body: str,
    chosen: Sequence[Match],
    width: int,
    zones: _Zones,
    link_base: str | None,
) -> tuple[Snippet, int, int]:
    first, last = chosen[0].start, chosen[-1].end
    floor, ceiling = zones.bounds(first)
    slack = max(0, width - (last - first))
    start = max(floor, first - slack // 3)
    end = min(ceiling, last + slack - (first - start))
    start = max(floor, start - (width - (end - start)))  # use room left at the end
    start, end = _snap_to_words(body, start, end, first, last)
    text = body[start:end].replace("\n", " ")
    highlights = tuple((m.start - start, m.end - start) for m in chosen)
    when, until, speaker = _timing_of(zones.timing, first, last)
    link = f"{link_base}#t={int(when)}" if link_base and when is not None else None
    snippet = Snippet(
        text=text, highlights=highlights, start=when, end=until, speaker=speaker, link=link
    )
    return snippet, start, end


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
    from searchpod.text.analysis import TOKEN_PATTERN, is_stop, stem

    if not terms or not text:
        return ()
    # Stop words are skipped: they match no term, so they need no stemming.
    return tuple(
        (m.start(), m.end())
        for m in TOKEN_PATTERN.finditer(text)
        if not is_stop(m.group()) and stem(m.group()) in terms
    )
