"""Whisper TSV: millisecond segments, merged into sentences; malformed files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.tsv import parse_whisper_tsv
from searchpod.model import Cue
from tests.transcript_helpers import load

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "harmontown"


def assert_cue(cue: Cue, text: str, start: float, end: float) -> None:
    assert cue.text == text
    assert cue.start == pytest.approx(start, abs=0.001)
    assert cue.end == pytest.approx(end, abs=0.001)
    assert cue.speaker is None


def test_segments_in_milliseconds_merged_into_sentences() -> None:
    cues = parse_whisper_tsv(load("whisper.tsv"), "w.tsv").cues
    assert len(cues) == 3
    assert_cue(cues[0], "The keeper climbed the stairs every evening at six.", 0.0, 4.1)
    assert_cue(cues[2], "Nobody asked why.", 7.3, 9.0)


def test_tabs_in_text_joined_and_empty_rows_skipped() -> None:
    cues = parse_whisper_tsv(load("whisper.tsv"), "w.tsv").cues
    assert_cue(cues[1], "She counted all two hundred steps.", 5.0, 7.25)


def test_crlf_parses_the_same() -> None:
    text = load("whisper.tsv")
    assert parse_whisper_tsv(text.replace("\n", "\r\n"), "w.tsv") == parse_whisper_tsv(text, "w")


def test_times_with_a_decimal_point_are_seconds() -> None:
    (cue,) = parse_whisper_tsv("start\tend\ttext\n1.5\t3.25\tIn seconds.\n", "s.tsv").cues
    assert (cue.start, cue.end) == (1.5, 3.25)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("begin\tfinish\twords\n0\t1\tx\n", "not a Whisper TSV (header 'begin finish words'"),
        ("start,end,text\n0,1,x\n", "not a Whisper TSV"),
        ("start\tend\ttext\n0\t1000\tfine\nnot a row\n", "line 3: expected start<TAB>end<TAB>text"),
        ("start\tend\ttext\nzero\t1000\tx\n", "line 2: times must be non-negative numbers"),
        ("start\tend\ttext\nnan\tinf\tx\n", "line 2: times must be non-negative numbers"),
        ("start\tend\ttext\n\n", "no segments after the header"),
        (" \n\n", "empty file"),
    ],
)
def test_malformed_file_is_an_ingest_error_naming_the_source(text: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_whisper_tsv(text, "ep/12.tsv")
    assert str(info.value).startswith(f"ep/12.tsv: {reason}")


def test_real_whisper_transcripts() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not present: {CORPUS} (real Whisper TSV files)")
    for number in (1, 50, 180):
        path = CORPUS / f"{number}.tsv"
        rows = sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line)
        cues = parse_whisper_tsv(path.read_text(encoding="utf-8"), str(path)).cues
        assert 100 < len(cues) <= rows
        starts = [c.start for c in cues]
        assert starts == sorted(starts)
        assert all(c.text.strip() and c.end is not None and c.end >= c.start for c in cues)
