"""SubRip (.srt) subtitles: numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` timings."""

from __future__ import annotations

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import (
    check_times,
    clean_text,
    label_speakers,
    merge_cues,
    timed_blocks,
)
from searchpod.model import Cue, Transcript


def parse_srt(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a SubRip file, speakers from leading ``Name:`` labels.

    Cue numbers may be missing or wrong; LF, CRLF and CR line ends all work; ``<i>`` and
    ``<font>`` markup is dropped. Labels give speakers as ``label_speakers`` says (a label
    holds until the next one only where labels mark turns; ``labels=False`` ignores them).
    Sentences split across cues are joined for display, each source cue keeping its own
    time (see ``merge_cues``). Raises IngestError naming ``source`` when the text holds no
    cue at all.
    """
    cues: list[Cue] = []
    for start, end, lines in timed_blocks(text):
        body = clean_text(" ".join(lines))
        if body:
            cues.append(Cue(body, start, end))
    cues, warnings = check_times(cues)
    if not cues:
        raise IngestError(source, "no cues found (not a SubRip file?)")
    return Transcript(merge_cues(label_speakers(cues, labels=labels)), warnings=warnings)
