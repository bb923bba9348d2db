"""SubRip: numbered cues, speaker labels and the damage real .srt files carry."""

from __future__ import annotations

import pytest

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.detect import parse_transcript_bytes
from searchpod.ingest.transcripts.srt import parse_srt
from searchpod.model import Cue
from tests.transcript_helpers import FIXTURES, assert_cue, load


@pytest.fixture
def cues() -> tuple[Cue, ...]:
    return parse_srt(load("episode.srt"), "episode.srt").cues


def test_multiline_cue_with_speaker_label(cues: tuple[Cue, ...]) -> None:
    assert_cue(cues[0], "The tide tables are wrong again this week.", 0.5, 3.0, "MARA QUILL")


def test_tags_stripped_and_speaker_carried_forward(cues: tuple[Cue, ...]) -> None:
    assert_cue(cues[1], "Completely wrong.", 3.2, 5.0, "MARA QUILL")
    assert_cue(cues[2], "Who prints them, anyway?", 5.1, 7.9, "Ostin Brae")


def test_missing_number_and_labels_that_are_not_speakers(cues: tuple[Cue, ...]) -> None:
    assert_cue(cues[3], "Note: the harbour office does.", 8.0, 10.0, "Ostin Brae")
    assert cues[5].text == "Step 2: we check them ourselves."
    assert cues[5].speaker == "Ostin Brae"


def test_garbled_number_dot_decimal_and_merged_sentence(cues: tuple[Cue, ...]) -> None:
    assert_cue(
        cues[4], "So here's the thing: nobody checks the numbers twice.", 10.5, 14.0, "Ostin Brae"
    )


def test_label_on_its_own_line_and_dialogue_dashes(cues: tuple[Cue, ...]) -> None:
    assert_cue(cues[6], "- Fine by me. - And me.", 16.0, 18.0, "Mara Quill")
    assert len(cues) == 7


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends_parse_the_same(newline: str) -> None:
    text = load("episode.srt")
    assert parse_srt(text.replace("\n", newline), "x.srt") == parse_srt(text, "x.srt")


def test_windows_1252_file_through_bytes() -> None:
    data = (FIXTURES / "cp1252.srt").read_bytes()
    assert b"\xe9" in data and b"\x93" in data  # é and “ in Windows-1252
    (cue,) = parse_transcript_bytes(data, "cp1252.srt", suffix=".srt").cues
    assert_cue(cue, "Café at the “old” pier – again.", 1.0, 3.0, "Mara Quill")


def test_missing_blank_line_between_cues() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nFirst.\n2\n00:00:03,000 --> 00:00:04,000\nSecond.\n"
    assert [(c.text, c.start) for c in parse_srt(text, "x.srt").cues] == [
        ("First.", 1.0),
        ("Second.", 3.0),
    ]


def test_number_in_cue_text_is_kept() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nThe year was\n1984\n"
    assert parse_srt(text, "x.srt").cues[0].text == "The year was 1984"


@pytest.mark.parametrize(
    "text", ["just some words\n", "1\n2\n3\n", "1\nnot a time --> either\nHi\n"]
)
def test_file_without_cues_is_an_ingest_error_naming_the_source(text: str) -> None:
    with pytest.raises(IngestError, match=r"^subs/ep\.srt: no cues found"):
        parse_srt(text, "subs/ep.srt")
