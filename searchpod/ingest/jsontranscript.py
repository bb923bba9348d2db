"""JSON transcripts: the Podcast Index format and Whisper's ``--output_format json``.

Podcast Index: ``{"version": ..., "segments": [{"speaker", "startTime", "endTime", "body"}]}``.
Whisper: ``{"text": ..., "segments": [{"start", "end", "text"}]}`` (WhisperX adds ``speaker``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from searchpod.errors import IngestError
from searchpod.ingest.cues import clean_text, merge_cues, parse_timestamp
from searchpod.ingest.plaintext import parse_plain_transcript
from searchpod.model import Cue, Transcript

_PODCAST_INDEX = ("startTime", "endTime", "body")
_WHISPER = ("start", "end", "text")


def parse_transcript_json(text: str, source: str) -> Transcript:
    """The cues of a Podcast Index or Whisper JSON transcript, told apart by their keys.

    A segment without a speaker inherits the previous one's; segments without text or a
    readable start time are skipped; split sentences are merged (see ``merge_cues``).
    Raises IngestError naming ``source`` for invalid JSON, JSON of another shape, or a
    transcript with no usable segment.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise IngestError(source, f"invalid JSON ({_one_line(exc)})") from exc
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise IngestError(source, f"not a transcript JSON ({_describe(data)})")
    dicts = [s for s in segments if isinstance(s, dict)]
    if any(_PODCAST_INDEX[2] in s for s in dicts):
        keys = _PODCAST_INDEX
    elif any(_WHISPER[2] in s for s in dicts):
        keys = _WHISPER
    elif not segments and isinstance(data.get("text"), str) and data["text"].strip():
        # Whisper run with word timestamps off and segments stripped: text is all we have.
        return parse_plain_transcript(data["text"], source)
    else:
        raise IngestError(source, "not a transcript JSON (segments have no 'body' or 'text')")
    cues = _cues(dicts, *keys)
    if not cues:
        raise IngestError(source, "no segment with text and a start time")
    return Transcript(merge_cues(cues))


def _cues(segments: list[dict[str, Any]], start_key: str, end_key: str, text_key: str) -> list[Cue]:
    cues: list[Cue] = []
    speaker: str | None = None
    for segment in segments:
        if isinstance(segment.get("speaker"), str):
            speaker = clean_text(segment["speaker"]) or None
        body = segment.get(text_key)
        start = _seconds(segment.get(start_key))
        if not isinstance(body, str) or start is None:
            continue
        body = clean_text(body)
        if body:
            cues.append(Cue(body, start, _seconds(segment.get(end_key)), speaker))
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
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _describe(data: object) -> str:
    if isinstance(data, dict):
        keys = ", ".join(sorted(str(k) for k in data)[:6]) or "none"
        return f"no 'segments' list; keys: {_one_line(keys)[:80]}"
    return f"top level is {type(data).__name__}, not an object"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
