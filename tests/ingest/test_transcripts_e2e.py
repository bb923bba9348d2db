"""Transcripts through the whole pipeline: index -> search -> JSON, with time and speaker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod import Index
from searchpod.frontends.cli import main
from tests.conftest import text_page

VTT = """WEBVTT

NOTE written for searchpod's tests

1
00:00:01.000 --> 00:00:04.000
<v Ana Lima>Welcome to the show about bridges.

2
00:00:04.500 --> 00:00:08.000 align:start
<v Felix Grant>The <i>girders</i> were painted in 1931.

3
00:12:35.000 --> 00:12:40.500
Nobody checked the rivets until the flood.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Ana Lima: Our guest restores harpsichords

2
00:00:03,000 --> 00:00:06,000
and tunes them by ear.

3
00:07:10,250 --> 00:07:14,000
Felix Grant: The quills are made from crow feathers.
"""

PODCAST_INDEX = {
    "version": "1.0.0",
    "segments": [
        {"speaker": "Ana Lima", "startTime": 0.5, "endTime": 1.0, "body": "Deep"},
        {"speaker": "Ana Lima", "startTime": 1.0, "endTime": 1.4, "body": "sea"},
        {"speaker": "Ana Lima", "startTime": 1.4, "endTime": 2.0, "body": "vents."},
        {"speaker": "Felix Grant", "startTime": 95.2, "endTime": 96.0, "body": "Tubeworms"},
        {"speaker": "Felix Grant", "startTime": 96.0, "endTime": 97.5, "body": "thrive there."},
    ],
}

WHISPER_JSON = {
    "text": "Glaciers retreat. Moraines remain.",
    "segments": [
        {"id": 0, "start": 0.0, "end": 3.2, "text": " Glaciers retreat every summer."},
        {"id": 1, "start": 301.7, "end": 305.0, "text": " Moraines remain as evidence."},
    ],
}

TSV = "start\tend\ttext\n0\t2500\tWelcome back everyone.\n615400\t619000\tThe marmalade recipe needs bitter oranges.\n"


def run_json(index: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["--index", str(index), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def first_snippet(index: Path, query: str) -> dict:
    data = run_json(index, "search", query, "--json")
    assert data["total"] >= 1, f"{query!r} found nothing"
    return data["hits"][0]["snippets"][0]


@pytest.mark.parametrize(
    ("name", "content", "query", "start", "speaker", "words"),
    [
        ("a.vtt", VTT, "rivets", 755.0, "Felix Grant", "rivets until the flood"),
        ("b.vtt", VTT.replace("\n", "\r\n"), "girders", 4.5, "Felix Grant", "girders were painted"),
        ("c.srt", SRT, "crow feathers", 430.25, "Felix Grant", "made from crow feathers"),
        (
            "d.srt",
            "\ufeff" + SRT.replace("\n", "\r\n"),
            "tunes",
            3.0,  # its own cue's start, not the start of the sentence's first cue
            "Ana Lima",
            "tunes them by ear",
        ),
        (
            "e.json",
            json.dumps(PODCAST_INDEX),
            "tubeworms",
            95.2,
            "Felix Grant",
            "Tubeworms thrive there",
        ),
        ("f.json", json.dumps(WHISPER_JSON), "moraines", 301.7, None, "Moraines remain"),
        ("g.tsv", TSV, "marmalade", 615.4, None, "marmalade recipe"),
    ],
)
def test_each_format_round_trips_with_time_and_speaker(
    tmp_path: Path,
    name: str,
    content: str,
    query: str,
    start: float,
    speaker: str | None,
    words: str,
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / name).write_bytes(content.encode("utf-8"))
    run_json(tmp_path / "ix", "index", str(folder), "--json")
    snippet = first_snippet(tmp_path / "ix", query)
    assert words in snippet["text"]
    assert snippet["start"] == pytest.approx(start, abs=1.0)
    assert snippet["speaker"] == speaker


def test_windows_1252_transcript(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    srt = "1\r\n00:00:05,000 --> 00:00:07,000\r\nAna Lima: The caf\u00e9 served \u201cespresso\u201d.\r\n"
    (folder / "w.srt").write_bytes(srt.encode("cp1252"))
    run_json(tmp_path / "ix", "index", str(folder), "--json")
    snippet = first_snippet(tmp_path / "ix", "cafe")
    assert "caf\u00e9 served \u201cespresso\u201d" in snippet["text"]
    assert snippet["start"] == pytest.approx(5.0) and snippet["speaker"] == "Ana Lima"


@pytest.fixture
def paired(tmp_path: Path) -> Path:
    folder = tmp_path / "civic"
    folder.mkdir()
    (folder / "eps-12.txt").write_text(
        text_page(
            12,
            "Budgets and bridges",
            "Civic Hour",
            "Ana Lima",
            "City budgets explained.",
            "The council's budget vote is on Tuesday.",
            "2024-02-02",
        )
    )
    (folder / "eps-12.vtt").write_text(VTT)
    (folder / "lonely-interview.srt").write_text(SRT)
    return folder


def test_pairing_page_and_transcript(tmp_path: Path, paired: Path) -> None:
    ix = Index.create(tmp_path / "ix")
    report = ix.add_paths([paired])
    assert sorted(report.added) == ["civic/eps-12.txt", "civic/lonely-interview.srt"]
    hit = ix.search("rivets").hits[0]
    assert hit.title == "Eps 12: Budgets and bridges" and hit.host == "Ana Lima"
    # The page's own text stays searchable, untimed.
    page_hit = ix.search("council").hits[0]
    assert page_hit.id == "civic/eps-12.txt" and page_hit.snippets[0].start is None
    lonely = ix.get("civic/lonely-interview.srt")
    assert lonely.title == "Lonely interview"
    assert lonely.cues[0].start == pytest.approx(1.0)


def test_media_links(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    page = text_page(3, "Bridges", "Civic Hour", "Ana Lima", "s", "page text").replace(
        "| Host image: | a drawing |", "| Audio: | https://example.org/ep3.mp3 |"
    )
    (folder / "ep3.txt").write_text(page)
    (folder / "ep3.vtt").write_text(VTT)
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([folder])
    hit = ix.search("rivets").hits[0]
    assert hit.url == "https://example.org/ep3.mp3"
    assert hit.snippets[0].link == "https://example.org/ep3.mp3#t=755"


def test_speaker_restricts_matches_to_what_they_said(tmp_path: Path, paired: Path) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([paired])
    # "bridges" is said by Ana only; "girders" by Felix only.
    assert ix.search('speaker:"Felix Grant" girders').total == 1
    assert ix.search('speaker:"Felix Grant" bridges').total == 0
    assert ix.search("bridges", speaker="Ana Lima").total == 1
    hit = ix.search("rivets", speaker="felix").hits[0]
    assert all(s.speaker == "Felix Grant" for s in hit.snippets)
    assert ix.search("rivets", speaker="Nobody Atall").total == 0


def test_show_command_reads_an_episode(tmp_path: Path, paired: Path) -> None:
    index = tmp_path / "ix"
    run_json(index, "index", str(paired), "--json")
    out = CliRunner().invoke(
        main, ["--index", str(index), "show", "civic/eps-12.txt", "-q", "rivets"]
    )
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "Eps 12: Budgets and bridges"
    assert "[00:00:04] Felix Grant: The girders were painted in 1931." in lines
    assert "[00:12:35] Nobody checked the rivets until the flood." in lines  # same speaker
    later = CliRunner().invoke(
        main, ["--index", str(index), "show", "civic/eps-12.txt", "--at", "12:30"]
    )
    assert "girders" not in later.stdout and "rivets" in later.stdout
    data = run_json(index, "show", "civic/eps-12.txt", "--json")
    assert [c["speaker"] for c in data["cues"]] == ["Ana Lima", "Felix Grant", "Felix Grant"]
    missing = CliRunner().invoke(main, ["--index", str(index), "show", "nope"])
    assert missing.exit_code == 2 and "no episode with id 'nope'" in missing.stderr


def test_speakers_add_no_fields_to_the_index(tmp_path: Path, paired: Path) -> None:
    # What each speaker said is in the passages' table: the schema is the same for an
    # archive of a thousand names as for one without any.
    from searchpod.engine.fields import build_schema

    ix = Index.create(tmp_path / "ix")
    ix.add_paths([paired])
    names = ix._read(
        lambda searcher: sorted(searcher._searcher.reader().indexed_field_names()), "fields"
    )
    assert set(names) <= set(build_schema().names())
    assert not [n for n in names if "felix" in n or "lima" in n]
    moment = ix.moments("rivets", speaker="felix").moments[0]
    assert moment.speaker == "Felix Grant"


MARKDOWN = """# Clinic Hour 3

**Ana Lima:** \\[00:00:04\\] Night shifts change how the body keeps time.

**Felix Grant:** \\[00:02:10\\] Coffee after two in the afternoon keeps me awake.
"""

LABELLED_TSV = (
    "start\tend\ttext\n"
    "0\t2500\tAna Lima: The marmalade wants bitter oranges.\n"
    "615400\t619000\tFelix Grant: Sugar goes in last.\n"
)

LABELLED_TEXT = (
    "Ana Lima: Our lighthouse stood on basalt.\n\nFelix Grant: The keeper trimmed wicks.\n"
)


@pytest.mark.parametrize(
    ("name", "content", "hers", "his"),
    [
        ("a.vtt", VTT, "bridges", "girders"),  # <v Name> voice tags
        ("c.srt", SRT, "harpsichords", "feathers"),  # Name: labels, carried to the next cue
        ("e.json", json.dumps(PODCAST_INDEX), "vents", "tubeworms"),  # a speaker per word
        ("h.md", MARKDOWN, "shifts", "coffee"),  # **Name:** [time] turns
        ("i.tsv", LABELLED_TSV, "marmalade", "sugar"),  # labels in Whisper's text column
        ("j.txt", LABELLED_TEXT, "basalt", "wicks"),  # an untimed transcript with labels
    ],
)
def test_speaker_filters_what_each_speaker_said_in_every_shape(
    tmp_path: Path, name: str, content: str, hers: str, his: str
) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / name).write_text(content, encoding="utf-8")
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([folder])
    assert ix.search(hers, speaker="Ana Lima").total == 1
    assert ix.search(his, speaker="Ana Lima").total == 0
    assert ix.search(f'speaker:"Felix Grant" {his}').total == 1
    assert ix.search(f'speaker:"Felix Grant" {hers}').total == 0
    (moment,) = ix.moments(his, speaker="felix").moments
    assert moment.speaker == "Felix Grant" and his in moment.text.lower()
    assert not ix.moments(hers, speaker="felix").moments
