"""WebVTT: cues, voices, markup and the quirks of real caption files."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.transcripts.detect import parse_transcript_bytes
from searchpod.ingest.transcripts.vtt import parse_vtt
from tests.transcript_helpers import FIXTURES, assert_cue, load


def test_cues_with_voices_settings_and_identifiers() -> None:
    cues = parse_vtt(load("episode.vtt"), "episode.vtt").cues
    assert len(cues) == 5
    assert_cue(cues[0], "Welcome back to the Lighthouse Hour.", 1.0, 4.5, "Mara Quill")
    assert_cue(cues[2], "It was Wednesday, & you know it!", 9.0, 12.0, "Ostin Brae")
    assert_cue(cues[4], "Très bien, let's hear it.", 15.0, 18.0, "Mara Quill")


def test_cue_without_voice_keeps_the_previous_speaker() -> None:
    cues = parse_vtt(load("episode.vtt"), "episode.vtt").cues
    assert cues[1].speaker == "Mara Quill"
    assert cues[3].speaker == "Ostin Brae"  # after an empty cue, too


def test_sentence_split_across_cues_is_merged_keeping_first_start() -> None:
    cues = parse_vtt(load("episode.vtt"), "episode.vtt").cues
    assert_cue(
        cues[1], "I'm here with a keeper who has not slept since Tuesday.", 4.5, 9.0, "Mara Quill"
    )


def test_markup_stripped_and_entities_decoded() -> None:
    cues = parse_vtt(load("episode.vtt"), "episode.vtt").cues
    assert cues[3].text == "Fog rolled in <fast> that night."
    assert not any("<" in c.text and "<fast>" not in c.text for c in cues)


def test_header_note_style_and_empty_cues_ignored() -> None:
    texts = " ".join(c.text for c in parse_vtt(load("episode.vtt"), "episode.vtt").cues)
    for absent in ("WEBVTT", "Kind", "NOTE", "two lines of note", "color: teal", "intro-1"):
        assert absent not in texts


def test_short_seconds_only_and_comma_times() -> None:
    cues = parse_vtt(load("times.vtt"), "times.vtt").cues
    assert_cue(cues[0], "Short times work.", 1.0, 2.5, None)
    assert_cue(cues[1], "So do seconds.", 75.5, 80.0, None)
    assert_cue(cues[2], "And commas.", 90.25, 91.0, None)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends_parse_the_same(newline: str) -> None:
    text = load("episode.vtt")
    assert parse_vtt(text.replace("\n", newline), "x.vtt") == parse_vtt(text, "x.vtt")


def test_bom_file_through_bytes() -> None:
    data = (FIXTURES / "bom.vtt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    (cue,) = parse_transcript_bytes(data, "bom.vtt", suffix=".vtt").cues
    assert_cue(cue, "Café at the “old” pier.", 1.0, 3.0, "Mara Quill")


def test_two_voices_in_one_cue_become_two_cues() -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Ann>Ready?</v>\n<v Bo>Always.</v>\n"
    cues = parse_vtt(text, "x.vtt").cues
    assert [(c.speaker, c.text, c.start) for c in cues] == [
        ("Ann", "Ready?", 1.0),
        ("Bo", "Always.", 1.0),
    ]


def test_times_going_backwards_keep_file_order() -> None:
    text = "WEBVTT\n\n00:10.000 --> 00:12.000\nLater\n\n00:01.000 --> 00:02.000\nearlier.\n"
    assert [c.text for c in parse_vtt(text, "x.vtt").cues] == ["Later", "earlier."]


def test_cue_with_unreadable_timing_is_dropped_with_its_text() -> None:
    text = "WEBVTT\n\n00:xx.000 --> 00:02.000\nLost.\n\n00:03.000 --> 00:04.000\nKept.\n"
    assert [c.text for c in parse_vtt(text, "x.vtt").cues] == ["Kept."]


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTT\n",
        "WEBVTT\n\nNOTE nothing but a note\n",
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<c></c>\n",
    ],
)
def test_file_without_cues_is_an_ingest_error_naming_the_source(text: str) -> None:
    with pytest.raises(IngestError, match=r"^feeds/ep1\.vtt: no cues found") as info:
        parse_vtt(text, "feeds/ep1.vtt")
    assert info.value.source == "feeds/ep1.vtt"
    assert "\n" not in str(info.value)


# Pieces of WebVTT files, plain and not: the one-regex path must read what the line-by-line
# path reads, or hand the file to it.
_VTT_PIECES = st.sampled_from(
    [
        "WEBVTT\n\n",
        "00:00:01.000 --> 00:00:02.500\n",
        "00:01:02,5 --> 00:01:04.250 align:start\n",
        "  00:00:03.000 --> 00:00:04.000  \n",
        "01:02.000 --> 01:03.000\n",  # hours omitted: not the usual form
        "00:00:05.000 --> 00:00:04.000\n",  # ends before it starts
        "Hello there,\n",
        "  spaced   out text \t\n",
        "12\n",
        "\n",
        " \t \n",
        "NOTE a comment\n",
        "NOTE a --> b\n",
        "<v Ana>Hi</v>\n",
        "Tom &amp; Jerry\n",
        "Ana: labelled\n",
        "line\r\n",
        "odd\x0bspace\n",
        "\x0c\n",  # a line break to splitlines(), not to the pattern
        "no-break\u00a0space\n",
        "\u00a0\n",  # blank to strip(), not to the pattern
        "naïve café\n",
        "-->\n",
    ]
)


@given(st.lists(_VTT_PIECES, max_size=40))
@example(["WEBVTT\n\n", "00:00:01.000 --> 00:00:02.500\n", "Hello there,\n", "\x0c\n", "12\n"])
@example(["00:00:01.000 --> 00:00:02.500\n", "Hello there,\n", "\u00a0\n", "12\n"])
@example(["00:00:01.000 --> 00:00:02.500\n", "Hello there,\n", "00:00:01.000 --> 00:00:02.500\n"])
@example(["00:00:01.000 --> 00:00:02.500\n", "12\n", "00:00:03.000 --> 00:00:04.000\n", "12\n"])
def test_plain_files_read_as_line_by_line(pieces: list[str]) -> None:
    from searchpod.ingest.transcripts import vtt

    text = "".join(pieces)
    plain = vtt._plain_cues(text)
    if plain is not None:
        assert plain == vtt._cues(text)


def test_plain_files_of_the_shared_corpus_read_as_line_by_line() -> None:
    from searchpod.ingest.transcripts import vtt
    from tests.conftest import SHARED, need_shared

    files = sorted(need_shared(SHARED / "corpus" / "pythonbytes").rglob("*.vtt"))
    plain = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        cues = vtt._plain_cues(text)
        if cues is not None:
            plain += 1
            assert cues == vtt._cues(text), path.name
    assert plain > len(files) // 2  # the usual file takes the one-regex path
