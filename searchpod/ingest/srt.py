"""SubRip (.srt) subtitles: numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` timings."""

from __future__ import annotations

from searchpod.errors import IngestError
from searchpod.ingest.cues import clean_text, merge_cues, split_speaker, timed_blocks
from searchpod.model import Cue, Transcript


def parse_srt(text: str, source: str) -> Transcript:
    """The cues of a SubRip file, speakers from leading ``Name:`` labels.

    Cue numbers may be missing or wrong; LF, CRLF and CR line ends all work; ``<i>`` and
    ``<font>`` markup is dropped. A speaker label holds until the next one. Sentences split
    across cues are merged (see ``merge_cues``). Raises IngestError naming ``source`` when
    the text holds no cue at all.
    """
    cues: list[Cue] = []
    speaker: str | None = None
    for start, end, lines in timed_blocks(text):
        label, body = split_speaker(clean_text(" ".join(lines)))
        if label is not None:
            speaker = label
        if body:
            cues.append(Cue(body, start, end, speaker))
    if not cues:
        raise IngestError(source, "no cues found (not a SubRip file?)")
    return Transcript(merge_cues(cues))
