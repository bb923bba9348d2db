"""WebVTT captions (the Podcasting 2.0 ``<podcast:transcript type="text/vtt">`` format)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from itertools import compress

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import (
    USUAL_TIMING,
    check_times,
    clean_text,
    label_speakers,
    merge_cues,
    timed_blocks,
)
from searchpod.model import Cue, Transcript

# <v Name>, <v.loud Name>; the capture splits cue text at each voice span.
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s([^>]*))?>")


def parse_vtt(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a WebVTT file, speakers from ``<v>`` spans (or ``Name:`` labels).

    ``<v>`` appears when the speaker changes, so a cue without one keeps the previous
    cue's speaker. Files without ``<v>`` may mark turns with labels instead (see
    ``label_speakers``; ``labels=False`` turns that off). Markup and NOTE/STYLE/REGION
    blocks are dropped; sentences split across cues are joined for display, each source
    cue keeping its own time (see ``merge_cues``). Raises IngestError naming ``source``
    when the text holds no cue at all.
    """
    cues = _plain_cues(text)
    if cues is None:
        cues = _cues(text)
    cues, warnings = check_times(cues)
    if not cues:
        raise IngestError(source, "no cues found (not a WebVTT file?)")
    return Transcript(merge_cues(label_speakers(cues, labels=labels)), warnings=warnings)


def _cues(text: str) -> list[Cue]:
    """The cues of any WebVTT text, line by line (see ``timed_blocks``)."""
    cues: list[Cue] = []
    speaker: str | None = None
    # Most files have no voice span at all: their cues need no cutting (_voices' one part).
    voices = _voices if "<v" in text else _no_voices
    for start, end, lines in timed_blocks(text):
        for voice, part in voices(" ".join(lines)):
            if voice is not None:
                speaker = voice or None
            part = clean_text(part)
            if part:
                cues.append(Cue(part, start, end, speaker))
    return cues


# A cue of a plain file: its usual timing line (as ``parse_timing`` reads it first), then
# the lines up to a blank one.
_PLAIN_CUE = re.compile(
    r"^[ \t]*" + USUAL_TIMING.pattern.removesuffix(r"(?=[ \t]|\Z)") + r"(?=[ \t\n]|\Z)[^\n]*"
    r"(?:\n|\Z)((?:[ \t]*[^ \t\n][^\n]*(?:\n|\Z))*)",
    re.MULTILINE | re.ASCII,
)
assert _PLAIN_CUE.pattern.count("-->") == 1 and r"|\Z)(?=" not in _PLAIN_CUE.pattern
# Whitespace other than spaces, tabs and line feeds: ``str.strip`` and ``splitlines`` treat
# these as the general path does, not as the plain pattern would.
_ODD_SPACE = re.compile(r"[^\S \t\n]")


def _plain_cues(text: str) -> list[Cue] | None:
    """``_cues`` of a plain file in one pass of a regular expression over the whole text
    (a Python step per line was most of reading one), or None for anything else.

    Plain: no markup, entity or voice span (no ``<``, ``&``, ``{``), no whitespace but
    spaces, tabs and line breaks, every ``-->`` on the usual timing line that opens a cue
    (after a blank line or the start). Then each cue is its timing line and the lines up to
    the next blank one, its text those lines with their whitespace collapsed, exactly as
    the general path reads it; a test compares both on every real transcript at hand and
    on generated ones.
    """
    if "<" in text or "&" in text or "{" in text:
        return None
    if "\r" in text:  # splitlines() breaks at "\r\n" and "\r" alike
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _ASCII_ODD_SPACE) or (not text.isascii() and _ODD_SPACE.search(text)):
        return None
    blocks = _PLAIN_CUE.findall(text)
    if len(blocks) != text.count("-->"):
        return None  # a "-->" elsewhere: a cue without a blank line before it, a note...
    if not blocks:
        return []
    columns = list(zip(*blocks, strict=True))
    starts = _seconds(*columns[0:4])
    ends = _seconds(*columns[4:8])
    said = [" ".join(body.split()) for body in columns[8]]
    return list(compress(map(Cue, said, starts, ends), said))


_POWERS_OF_TEN = [float(10**k) for k in range(10)]  # a fraction has at most 9 digits
_ASCII_ODD_SPACE = "\x0b\x0c\x1c\x1d\x1e\x1f"


def _seconds(
    hours: Sequence[str], minutes: Sequence[str], whole: Sequence[str], fractions: Sequence[str]
) -> list[float]:
    """``parse_timing``'s seconds for every cue at once: its arithmetic, in its order, on
    the same numbers (sums of integers below 2**53 and a correctly rounded quotient of two
    exact doubles), so the same floats to the last bit."""
    import numpy as np

    n = len(hours)
    number = functools.partial(np.fromiter, dtype=np.int64, count=n)
    total = number(map(int, hours)) * 3600 + number(map(int, minutes)) * 60
    total += number(map(int, whole))
    scale = np.array(_POWERS_OF_TEN)[number(map(len, fractions))]  # exact: 10**k as ints
    seconds: list[float] = (total + number(map(int, fractions)) / scale).tolist()
    return seconds


def _no_voices(text: str) -> tuple[tuple[None, str]]:
    return ((None, text),)


def _voices(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut at each voice span: ``(voice or None if no span, text)`` pairs."""
    parts = _VOICE.split(text)
    # re.split with one group: [before, voice1, text1, voice2, text2, ...]
    pairs: list[tuple[str | None, str]] = [(None, parts[0])] if parts[0].strip() else []
    for i in range(1, len(parts), 2):
        pairs.append((clean_text(parts[i] or ""), parts[i + 1]))
    return pairs
