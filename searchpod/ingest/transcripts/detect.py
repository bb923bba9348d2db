"""Any transcript file or download to a Transcript: pick the parser, content first.

The content decides when it is unmistakable (a ``WEBVTT`` header, a JSON object, Whisper's
TSV header, a numbered SubRip cue); otherwise the content type, then the file suffix; and
failing those, a timing line anywhere near the top means captions, else plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from searchpod.ingest.decode import decode_bytes
from searchpod.ingest.transcripts.cues import parse_timing
from searchpod.ingest.transcripts.jsonfile import parse_transcript_json
from searchpod.ingest.transcripts.markdown import parse_markdown_transcript
from searchpod.ingest.transcripts.plaintext import parse_html_transcript, parse_plain_transcript
from searchpod.ingest.transcripts.srt import parse_srt
from searchpod.ingest.transcripts.tsv import parse_whisper_tsv
from searchpod.ingest.transcripts.vtt import parse_vtt
from searchpod.model import Transcript

TRANSCRIPT_SUFFIXES = frozenset({".vtt", ".srt", ".json", ".tsv", ".txt", ".md", ".markdown"})

_PARSERS: dict[str, Callable[..., Transcript]] = {
    "vtt": parse_vtt,
    "srt": parse_srt,
    "json": parse_transcript_json,
    "tsv": parse_whisper_tsv,
    "html": parse_html_transcript,
    "plain": parse_plain_transcript,
    "md": parse_markdown_transcript,
}
_BY_SUFFIX = {
    ".vtt": "vtt",
    ".srt": "srt",
    ".json": "json",
    ".tsv": "tsv",
    ".txt": "plain",
    ".text": "plain",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
_BY_CONTENT_TYPE = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "application/json": "json",
    "text/json": "json",
    "text/tab-separated-values": "tsv",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "md",
    "text/x-markdown": "md",
}
_SRT_START = re.compile(r"\d+[ \t]*(?:\r\n?|\n)[ \t]*\d+:\d\d:\d\d[,.]\d+[ \t]*-->", re.ASCII)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|p|div|article|section)\b", re.I)


def parse_transcript(
    text: str,
    source: str,
    *,
    suffix: str = "",
    content_type: str | None = None,
    labels: bool = True,
) -> Transcript:
    """Parse a transcript in any supported format, detected as the module docstring says.

    ``suffix`` is the file's extension (".vtt"); ``content_type`` an HTTP Content-Type;
    ``labels=False`` reads no speaker from ``Name:`` labels in the text.
    Raises IngestError naming ``source`` when the chosen parser finds no transcript.

    >>> parse_transcript("WEBVTT\\n\\n00:01.000 --> 00:02.000\\nHi.", "a.txt").cues[0].start
    1.0
    """
    return _PARSERS[_detect(text, suffix, content_type)](text, source, labels=labels)


def parse_transcript_bytes(
    data: bytes,
    source: str,
    *,
    suffix: str = "",
    content_type: str | None = None,
    labels: bool = True,
) -> Transcript:
    """``parse_transcript`` for undecoded bytes (BOM, UTF-8, Windows-1252, ... detected)."""
    text = decode_bytes(data, source)
    return parse_transcript(text, source, suffix=suffix, content_type=content_type, labels=labels)


def _detect(text: str, suffix: str, content_type: str | None) -> str:
    head = text[:4096].lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("{") or re.match(r"\[\s*[{\]]", head):
        return "json"
    first_line = head.partition("\n")[0]
    if [f.strip().lower() for f in first_line.split("\t")] == ["start", "end", "text"]:
        return "tsv"
    if _SRT_START.match(head):
        return "srt"
    mime = (content_type or "").partition(";")[0].strip().lower()
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    declared = (
        _BY_CONTENT_TYPE.get(mime)
        or ("json" if mime.endswith("+json") else None)
        or _BY_SUFFIX.get(suffix)
        or ("plain" if mime == "text/plain" else None)
    )
    if declared:
        return declared
    if _has_timing_line(head):
        return "vtt" if "<v" in head else "srt"
    return "html" if _HTML_START.match(head) else "plain"


def _has_timing_line(head: str) -> bool:
    for line in head.splitlines()[:20]:
        if "-->" in line:
            try:
                parse_timing(line)
            except ValueError:
                continue
            return True
    return False
