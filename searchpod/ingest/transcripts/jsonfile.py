"""JSON transcripts: Podcast Index, Whisper, lists of cues and word-level JSON.

Podcast Index: ``{"version": ..., "segments": [{"speaker", "startTime", "endTime", "body"}]}``.
Whisper: ``{"text": ..., "segments": [{"start", "end", "text"}]}`` (WhisperX adds ``speaker``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import (
    check_times,
    clean_text,
    label_speakers,
    merge_cues,
    parse_timestamp,
)
from searchpod.ingest.transcripts.plaintext import parse_plain_transcript
from searchpod.model import Cue, Transcript

# Where a JSON object keeps its list of segments, and the names segments give their fields.
_LIST_KEYS = ("segments", "cues", "captions", "transcript", "utterances", "results", "items",
              "words", "monologues", "paragraphs")  # fmt: skip
_TEXT_KEYS = ("body", "text", "word", "content", "transcript", "value", "punctuated_word")
_START_KEYS = ("startTime", "start", "start_time", "startMs", "start_ms", "begin", "from",
               "offset", "start_seconds", "time")  # fmt: skip
_END_KEYS = ("endTime", "end", "end_time", "endMs", "end_ms", "to", "end_seconds")
_SPEAKER_KEYS = ("speaker", "speaker_name", "speakerName", "speaker_label", "voice")
_MS_HINT = ("ms", "Ms", "_ms", "millis")
# A typical cue this long in seconds would be a 4-minute monologue: it must be milliseconds.
_MS_TYPICAL_CUE = 250


def parse_transcript_json(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a JSON transcript, whatever names its segments give their fields.

    Podcast Index (``{"segments": [{"speaker", "startTime", "endTime", "body"}]}``),
    Whisper/WhisperX (``{"text", "segments": [{"start", "end", "text", "speaker"}]}``), a
    top-level list of cues (``[{"start", "end", "text"}]``, in seconds or milliseconds, or
    ``startTime``/``body``), and word-level JSON, one word (or punctuation mark) per segment.
    Times are milliseconds when a key says so (``startMs``) or integer times run past a day
    or give cues a typical length of 250+ units. A segment without a speaker inherits the
    previous one's; segments without text or a readable start are skipped; words and split sentences are
    joined for display, each keeping its own time (see ``merge_cues``). Raises IngestError
    naming ``source`` for invalid JSON, JSON of another shape, or no usable segment.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise IngestError(source, f"invalid JSON ({_one_line(exc)})") from exc
    segments = _segments(data)
    if segments is None:
        if isinstance(data, dict) and isinstance(data.get("text"), str) and data["text"].strip():
            # Whisper run with segments stripped: the text is all there is.
            return parse_plain_transcript(data["text"], source, labels=labels)
        raise IngestError(source, f"not a transcript JSON ({_describe(data)})")
    dicts = [s for s in segments if isinstance(s, dict)]
    text_key = _key(dicts, _TEXT_KEYS)
    start_key = _key(dicts, _START_KEYS)
    if text_key is None or start_key is None:
        keys = ", ".join(sorted({str(k) for d in dicts[:20] for k in d})[:8]) or "none"
        raise IngestError(
            source, f"not a transcript JSON (segments have no text or start time; keys: {keys})"
        )
    end_key = _key(dicts, _END_KEYS)
    cues = _cues(dicts, start_key, end_key, text_key)
    if not cues:
        raise IngestError(source, "no segment with text and a start time")
    if _in_milliseconds(cues, start_key, end_key):
        cues = [
            Cue(c.text, c.start / 1000 if c.start is not None else None,
                c.end / 1000 if c.end is not None else None, c.speaker)
            for c in cues
        ]  # fmt: skip
    cues, warnings = check_times(cues)
    if not cues:
        raise IngestError(source, "no segment with text and a possible start time")
    return Transcript(merge_cues(label_speakers(cues, labels=labels)), warnings=warnings)


def _segments(data: object) -> list[Any] | None:
    """The list of segments: the top level itself, or the first list under a known key."""
    if isinstance(data, list):
        return data if any(isinstance(s, dict) for s in data) else None
    if not isinstance(data, dict):
        return None
    for key in _LIST_KEYS:
        value = data.get(key)
        if isinstance(value, list) and any(isinstance(s, dict) for s in value):
            return value
        if isinstance(value, dict):  # {"transcript": {"segments": [...]}}
            inner = _segments(value)
            if inner is not None:
                return inner
    return None


def _key(segments: list[dict[str, Any]], names: tuple[str, ...]) -> str | None:
    for name in names:
        if any(name in s for s in segments[:50]):
            return name
    return None


def _in_milliseconds(cues: list[Cue], start_key: str, end_key: str | None) -> bool:
    if start_key.endswith(_MS_HINT):
        return True
    starts = [c.start for c in cues if c.start is not None]
    if not starts or any(not float(x).is_integer() for x in starts[:200]):
        return False
    if max(starts) > 86400:
        return True
    lengths = sorted(c.end - c.start for c in cues if c.end is not None and c.start is not None)
    return bool(lengths) and lengths[len(lengths) // 2] >= _MS_TYPICAL_CUE


def _cues(
    segments: list[dict[str, Any]], start_key: str, end_key: str | None, text_key: str
) -> list[Cue]:
    cues: list[Cue] = []
    speaker: str | None = None
    speaker_key = _key(segments, _SPEAKER_KEYS)
    for segment in segments:
        if speaker_key is not None:
            value = segment.get(speaker_key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                speaker = clean_text(str(value)) or None
        body = segment.get(text_key)
        start = _seconds(segment.get(start_key))
        if not isinstance(body, str) or start is None:
            continue
        body = clean_text(body)
        if body:
            end = _seconds(segment.get(end_key)) if end_key else None
            cues.append(Cue(body, start, end, speaker))
    return cues


def _seconds(value: object) -> float | None:
    """A time given as a number of seconds or a timestamp string; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:
            return None
        # A negative time is kept here for ``check_times`` to name.
        return seconds if math.isfinite(seconds) else None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _describe(data: object) -> str:
    if isinstance(data, dict):
        keys = ", ".join(sorted(str(k) for k in data)[:6]) or "none"
        return f"no list of segments; keys: {_one_line(keys)[:80]}"
    return f"top level is {type(data).__name__}, not an object or a list of segments"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
