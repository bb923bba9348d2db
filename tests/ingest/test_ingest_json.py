"""JSON transcripts: Podcast Index and Whisper, told apart by shape; anything else refused."""

from __future__ import annotations

import json

import pytest

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.jsonfile import parse_transcript_json
from tests.transcript_helpers import assert_cue, load


def test_podcast_index_words_become_sentences_per_speaker() -> None:
    cues = parse_transcript_json(load("podcastindex.json"), "pi.json").cues
    assert len(cues) == 3
    assert_cue(cues[0], "Good evening, harbour.", 0.5, 2.1, "Mara Quill")
    # The last two words have no speaker key: they stay with the one before.
    assert_cue(cues[1], "Is it evening?", 2.6, 4.0, "Ostin Brae")
    # Timestamp strings are read too; the whitespace-only segment is dropped.
    assert_cue(cues[2], "Nearly.", 4.5, 5.0, "Mara Quill")


def test_whisper_segments_merge_until_a_sentence_ends_or_a_pause() -> None:
    cues = parse_transcript_json(load("whisper.json"), "w.json").cues
    assert_cue(cues[0], "The lamp was lit at dusk.", 0.0, 3.1, None)
    assert_cue(cues[1], "Every night,", 3.5, 5.0, None)  # 4 s pause: not merged
    assert_cue(cues[2], "without fail.", 9.0, 10.2, None)


def test_whisperx_speakers() -> None:
    data = {
        "segments": [
            {"start": 0, "end": 1, "text": "Hello there.", "speaker": "SPEAKER_00"},
            {"start": 1, "end": 2, "text": "Hi.", "speaker": "SPEAKER_01"},
        ]
    }
    cues = parse_transcript_json(json.dumps(data), "x.json").cues
    assert [c.speaker for c in cues] == ["SPEAKER_00", "SPEAKER_01"]


def test_whisper_without_segments_falls_back_to_its_text() -> None:
    (cue,) = parse_transcript_json('{"text": " Just text.", "segments": []}', "x.json").cues
    assert (cue.text, cue.start) == ("Just text.", None)


def test_segments_with_unusable_times_are_skipped() -> None:
    text = (
        '{"segments": [{"start": NaN, "end": 1, "text": "a"}, {"start": true, "text": "b"},'
        ' {"start": -1, "text": "c"}, {"start": "soon", "text": "d"}, {"start": 2, "text": "e."}]}'
    )
    (cue,) = parse_transcript_json(text, "x.json").cues
    assert (cue.text, cue.start, cue.end) == ("e.", 2.0, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '{"episode": 3, "title": "x"}',
            "not a transcript JSON (no list of segments; keys: episode",
        ),
        ("[1, 2, 3]", "not a transcript JSON (top level is list"),
        ('{"segments": [{"from": 1, "words": "x"}]}', "not a transcript JSON (segments have no"),
        ('{"segments": "none"}', "not a transcript JSON"),
        ('{"segments": [{"start": "x", "text": "a"}]}', "no segment with text and a start time"),
        ('{"version": "1.0.0", "segments": [', "invalid JSON"),
        ("[" * 100_000, "invalid JSON"),
    ],
)
def test_other_json_is_an_ingest_error_naming_the_source(text: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_transcript_json(text, "feeds/ep.json")
    assert str(info.value).startswith(f"feeds/ep.json: {reason}")
    assert "\n" not in str(info.value)
