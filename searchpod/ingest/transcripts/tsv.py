"""Whisper's TSV output: a ``start<TAB>end<TAB>text`` header, then one segment per line."""

from __future__ import annotations

import math

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import check_times, label_speakers, merge_cues
from searchpod.model import Cue, Transcript

_SECONDS_HINTS = ("_s", "(s)", "sec", "seconds")


def parse_whisper_tsv(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a Whisper TSV file; times are integer milliseconds.

    Times are read as seconds instead when the header says so (``start_s``, ``start (s)``)
    or the first row's times have a decimal point. Tabs inside the text are kept as
    spaces; blank lines and rows with empty text are skipped; split sentences are merged
    (see ``merge_cues``); ``Name:`` labels as ``label_speakers`` says. Raises IngestError naming ``source`` for a wrong header or a row
    that is not ``start<TAB>end<TAB>text`` with numeric times.
    """
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise IngestError(source, "empty file")
    header = [h.strip().lower() for h in lines[first].split("\t")]
    if len(header) != 3 or not (
        header[0].startswith("start") and header[1].startswith("end") and header[2] == "text"
    ):
        shown = " ".join(lines[first].split())[:60]
        raise IngestError(source, f"not a Whisper TSV (header {shown!r}, expected start/end/text)")
    divisor = 1.0 if any(h.endswith(_SECONDS_HINTS) for h in header[:2]) else None
    cues: list[Cue] = []
    inf = math.inf
    # One step per row of a transcript's thousands: isspace() (no copy) for blank lines.
    for n in range(first + 1, len(lines)):
        line = lines[n]
        if not line or line.isspace():
            continue
        parts = line.split("\t", 2)
        if len(parts) < 2:
            raise IngestError(source, f"line {n + 1}: expected start<TAB>end<TAB>text")
        if divisor is None:
            divisor = 1.0 if "." in parts[0] or "." in parts[1] else 1000.0
        try:
            start, end = float(parts[0]), float(parts[1])
        except ValueError:
            start = end = math.nan
        # Chained comparisons are False for NaN, so this also rejects "nan" and "inf".
        if not (0.0 <= start < inf and 0.0 <= end < inf):
            raise IngestError(source, f"line {n + 1}: times must be non-negative numbers")
        body = parts[2].strip() if len(parts) == 3 else ""
        if "\t" in body:
            body = " ".join(body.split())
        if body:
            cues.append(Cue(body, start / divisor, end / divisor))
    cues, warnings = check_times(cues)
    if not cues:
        raise IngestError(source, "no segments after the header")
    return Transcript(merge_cues(label_speakers(cues, labels=labels)), warnings=warnings)
