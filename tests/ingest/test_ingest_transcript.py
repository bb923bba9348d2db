"""The transcript dispatcher, the shared cue helpers, and parsers fed random input."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.cues import looks_like_speaker, merge_cues, parse_timestamp
from searchpod.ingest.transcripts.detect import (
    TRANSCRIPT_SUFFIXES,
    parse_transcript,
    parse_transcript_bytes,
)
from searchpod.ingest.transcripts.jsonfile import parse_transcript_json
from searchpod.ingest.transcripts.markdown import parse_markdown_transcript
from searchpod.ingest.transcripts.plaintext import parse_html_transcript, parse_plain_transcript
from searchpod.ingest.transcripts.srt import parse_srt
from searchpod.ingest.transcripts.tsv import parse_whisper_tsv
from searchpod.ingest.transcripts.vtt import parse_vtt
from searchpod.model import Cue, Transcript
from tests.transcript_helpers import load

Parser = Callable[[str, str], Transcript]
PARSERS: list[Parser] = [
    parse_vtt,
    parse_srt,
    parse_transcript_json,
    parse_whisper_tsv,
    parse_plain_transcript,
    parse_html_transcript,
    parse_markdown_transcript,
    parse_transcript,
]


# --- choosing the parser ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "suffix", "first_text"),
    [
        ("episode.vtt", ".txt", "Welcome back to the Lighthouse Hour."),
        ("episode.srt", ".vtt", "The tide tables are wrong again this week."),
        ("podcastindex.json", ".txt", "Good evening, harbour."),
        ("whisper.json", "", "The lamp was lit at dusk."),
        ("whisper.tsv", ".txt", "The keeper climbed the stairs every evening at six."),
    ],
)
def test_content_decides_over_a_wrong_suffix(fixture: str, suffix: str, first_text: str) -> None:
    transcript = parse_transcript(load(fixture), fixture, suffix=suffix, content_type="text/plain")
    assert transcript.cues[0].text == first_text
    assert transcript.timed


def test_suffixes_are_the_six_formats() -> None:
    assert (
        frozenset({".vtt", ".srt", ".json", ".tsv", ".txt", ".md", ".markdown"})
        == TRANSCRIPT_SUFFIXES
    )


def test_plain_text_by_suffix_or_default() -> None:
    for suffix in (".txt", "txt", ".TXT", ""):
        transcript = parse_transcript(load("plain.txt"), "plain.txt", suffix=suffix)
        assert not transcript.timed
        assert transcript.cues[1].speaker == "Mara Quill"


def test_plain_transcript_paragraphs_and_labels() -> None:
    cues = parse_plain_transcript(load("plain.txt"), "plain.txt").cues
    assert [(c.speaker, c.text) for c in cues] == [
        (None, "The Lighthouse Hour, episode 12 (transcript)"),
        (
            "Mara Quill",
            "Welcome back. Tonight we talk about fog, and the people who sail through it.",
        ),
        ("Ostin Brae", "Thanks for having me."),
        ("Mara Quill", "Of course."),  # a label starts a new cue without a blank line
        ("Mara Quill", "It is a pleasure, really."),  # an unlabelled paragraph keeps the speaker
        ("Mara Quill", "Note: this transcript was lightly edited."),  # "Note" is no speaker
    ]


@pytest.mark.parametrize(
    ("suffix", "content_type"), [(".html", None), ("", "text/html; charset=utf-8"), ("", None)]
)
def test_html_transcript_by_content_type_suffix_or_markup(
    suffix: str, content_type: str | None
) -> None:
    transcript = parse_transcript(
        load("transcript.html"), "t.html", suffix=suffix, content_type=content_type
    )
    assert transcript.title == "Episode 12 transcript"
    assert [(c.speaker, c.text) for c in transcript.cues] == [
        ("Mara Quill", "Welcome to the Lighthouse Hour."),
        ("Ostin Brae", "Glad to be here & dry."),
    ]


@pytest.mark.parametrize(
    ("content_type", "speaker"), [("text/vtt", "Ann"), ("application/x-subrip", None)]
)
def test_content_type_decides_when_content_is_ambiguous(
    content_type: str, speaker: str | None
) -> None:
    # No WEBVTT header, no cue number: either format could claim it.
    text = "00:00:01.000 --> 00:00:02.000\n<v Ann>Hello.\n"
    (cue,) = parse_transcript(text, "x", content_type=content_type).cues
    assert (cue.text, cue.start, cue.speaker) == ("Hello.", 1.0, speaker)


def test_timing_lines_without_any_hint_are_captions() -> None:
    (cue,) = parse_transcript("\n00:00:01,000 --> 00:00:02,000\nHello.\n", "x").cues
    assert cue.start == 1.0


def test_declared_json_that_is_a_list_is_refused() -> None:
    with pytest.raises(IngestError, match=r"^x\.json: not a transcript JSON"):
        parse_transcript("[]", "x.json", content_type="application/json")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    ],
)
def test_empty_and_binary_bytes_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=rf"^ep/3\.vtt: {reason}"):
        parse_transcript_bytes(data, "ep/3.vtt", suffix=".vtt")


def test_wrong_tsv_header_and_cueless_vtt_name_the_source() -> None:
    with pytest.raises(IngestError, match=r"^a\.tsv: not a Whisper TSV"):
        parse_transcript("when\tuntil\twhat\n1\t2\tx\n", "a.tsv", suffix=".tsv")
    with pytest.raises(IngestError, match=r"^b\.vtt: no cues found"):
        parse_transcript("WEBVTT\n\nNOTE empty\n", "b.vtt", suffix=".vtt")


# --- timestamps, merging, speaker labels ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("01:02:03.500", 3723.5),
        ("02:03.5", 123.5),
        ("01:02:03,250", 3723.25),
        ("75.5", 75.5),
        ("75", 75.0),
        ("100:00:00.000", 360000.0),
        (" 00:00:01.000 ", 1.0),
    ],
)
def test_parse_timestamp(text: str, seconds: float) -> None:
    assert parse_timestamp(text) == pytest.approx(seconds, abs=1e-9)


@pytest.mark.parametrize(
    "text", ["", "1:2:3:4", "00:61.000", "01:60:00.000", "-1", "1e3", "nan", "١٢", "00:00:01."]
)
def test_parse_timestamp_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


@given(
    hours=st.integers(0, 99),
    minutes=st.integers(0, 59),
    seconds=st.integers(0, 59),
    millis=st.integers(0, 999),
    comma=st.booleans(),
)
def test_parse_timestamp_round_trip(
    hours: int, minutes: int, seconds: int, millis: int, comma: bool
) -> None:
    expected = hours * 3600 + minutes * 60 + seconds + millis / 1000
    sep = "," if comma else "."
    assert parse_timestamp(
        f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"
    ) == pytest.approx(expected, abs=0.0005)
    if hours == 0:
        short = f"{minutes:02d}:{seconds:02d}.{millis:03d}"
        assert parse_timestamp(short) == pytest.approx(expected, abs=0.0005)
    assert parse_timestamp(f"{expected:.3f}") == pytest.approx(expected, abs=0.0005)


def test_one_word_segments_become_sentences() -> None:
    words = "The fog came in. It stayed all week!".split()
    cues = [Cue(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(words)]
    merged = merge_cues(cues)
    assert [(c.text, c.start, c.end) for c in merged] == [
        ("The fog came in.", 0.0, 1.9),
        ("It stayed all week!", 2.0, 3.9),
    ]


def test_merge_stops_at_speaker_change_gap_length_and_backwards_time() -> None:
    assert len(merge_cues([Cue("Well", 0, 1, "A"), Cue("yes.", 1, 2, "B")])) == 2
    assert len(merge_cues([Cue("Well", 0, 1), Cue("yes.", 3.5, 4)])) == 2
    assert len(merge_cues([Cue("Well", 0, 1), Cue("yes.", 3.0, 4)])) == 1  # gap of 2 s is fine
    assert len(merge_cues([Cue("x" * 200, 0, 1), Cue("y" * 200, 1, 2)])) == 2
    assert len(merge_cues([Cue("Well", 5, 6), Cue("yes.", 1, 2)])) == 2
    assert len(merge_cues([Cue("He said “stop.”", 0, 1), Cue("Then", 1, 2)])) == 2
    assert merge_cues([Cue("Well", 0, 1), Cue("yes.", 1, 2)], max_gap=0.0)[0].end == 2


@pytest.mark.parametrize(
    "label",
    ["Dan Harmon", "JEFF", "Dr. Ruth", "Ludwig van Beethoven", "Speaker 1", "SPEAKER_01", "O'Neil"],
)
def test_speaker_labels(label: str) -> None:
    assert looks_like_speaker(label)


@pytest.mark.parametrize(
    "label",
    [
        "So here's the thing",
        "Step 2",
        "Note",
        "Editor's Note",
        "Warning",
        "Update",
        "Chapter One",
        "Part Two",
        "and then",
        "Four Score And Seven Years",
        "R2D2",
        "Http",
        "",
        "A Very Long Name That Goes On Forever",
    ],
)
def test_not_speaker_labels(label: str) -> None:
    assert not looks_like_speaker(label)


# --- random input: nothing but IngestError -------------------------------------------------

TOKENS = st.sampled_from(
    [
        "WEBVTT", "NOTE", "1", "\n", "\n\n", "\r\n", "\t", " ", "-->", "00:00:01.000",
        "00:01,5", "99:99:99.999", "75.5", "<v Ann>", "<v.loud", "</v>", "<c>", "<i>", "&amp;",
        "&#0;", "&", "<", ">", "{", "}", "[", "]", '"', ":", ",", "segments", '"segments":',
        '"start":', '"text":', '"body":', '"startTime":', "NaN", "1e999", "-1", "start\tend\ttext",
        "Ann:", "So here's the thing:", "é", "\ufeff", "\x00", "\u2028", ".", "?",
        "**", "**Ann:**", "[00:12:35]", "\\[03:55\\]", "(12:35)", "0:30", "# ", "---", "```",
        "[x](y)", "<cite>", "</cite>", "<time>", "<tr><td>", "</td><td>", "Ann  0:03", ">>", "`",
        "_", "[", "]:", "&#39;", "99:99",
    ]
)  # fmt: skip
SHAPED_TEXT = st.lists(TOKENS, max_size=40).map("".join)


def assert_only_ingest_errors(parser: Parser, text: str) -> None:
    """``parser`` either refuses ``text`` with an IngestError or returns sane cues."""
    try:
        transcript = parser(text, "random.txt")
    except IngestError as exc:
        assert exc.source == "random.txt"
        assert str(exc).startswith("random.txt: ")
        assert "\n" not in str(exc)
        return
    assert transcript.cues
    for cue in transcript.cues:
        assert cue.text and cue.text == cue.text.strip()
        for t in (cue.start, cue.end):
            assert t is None or (math.isfinite(t) and t >= 0)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(text=st.one_of(st.text(), SHAPED_TEXT))
def test_random_text_raises_only_ingest_error(parser: Parser, text: str) -> None:
    assert_only_ingest_errors(parser, text)


FIXTURE_TEXTS = {
    name: load(name)
    for name in (
        "episode.vtt",
        "times.vtt",
        "episode.srt",
        "podcastindex.json",
        "whisper.json",
        "whisper.tsv",
        "plain.txt",
        "transcript.html",
    )
}


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(FIXTURE_TEXTS)))
    text = FIXTURE_TEXTS[name]
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 12))
        insert = draw(st.one_of(st.just(""), TOKENS, st.text(max_size=4)))
        text = text[:at] + insert + text[at + cut :]
    return name, text


@settings(max_examples=300)
@given(case=mutated_fixture())
def test_mutated_fixtures_raise_only_ingest_error(case: tuple[str, str]) -> None:
    name, text = case
    assert_only_ingest_errors(parse_transcript, text)
    assert_only_ingest_errors(functools.partial(parse_transcript, suffix=Path(name).suffix), text)
