"""WebVTT captions (the Podcasting 2.0 ``<podcast:transcript type="text/vtt">`` format)."""

from __future__ import annotations

import re

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import (
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
    cues, warnings = check_times(cues)
    if not cues:
        raise IngestError(source, "no cues found (not a WebVTT file?)")
    return Transcript(merge_cues(label_speakers(cues, labels=labels)), warnings=warnings)


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
