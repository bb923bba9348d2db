"""Impossible cue times: negative, ending before they start, or past 48 hours — each kind
named in one warning for its file, never silently kept or silently dropped."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchpod import Index
from searchpod.frontends.cli import main
from searchpod.ingest.transcripts.jsonfile import parse_transcript_json
from searchpod.ingest.transcripts.srt import parse_srt
from searchpod.ingest.transcripts.tsv import parse_whisper_tsv
from searchpod.ingest.transcripts.vtt import parse_vtt

SRT = (
    "1\n00:00:01,000 --> 00:00:03,000\nThe lantern was lit.\n\n"
    "2\n99999:00:00,000 --> 99999:00:02,000\nA cue from the far future.\n\n"
    "3\n00:00:10,000 --> 00:00:05,000\nA cue that runs backwards.\n\n"
    "4\n-00:00:05,000 --> 00:00:06,000\nA cue before the start.\n\n"
    "5\n00:00:20,000 --> 00:00:22,000\nThe lamp went out.\n"
)


def test_srt_drops_negative_and_absurd_times_and_keeps_a_backwards_cue_without_its_end() -> None:
    found = parse_srt(SRT, "ep.srt")
    starts = [(c.text[:12], c.start, c.end) for c in found.cues]
    assert not any("far future" in c.text or "before the" in c.text for c in found.cues)
    assert all(c.start is None or 0 <= c.start <= 48 * 3600 for c in found.cues)
    backwards = next(c for c in found.cues if "backwards" in c.text)
    assert (backwards.start, backwards.end) == (10.0, None), starts
    assert found.warnings == (
        "1 cue with a negative time dropped (first: -00:00:05)",
        "1 cue past 48 hours dropped (first: 99999:00:00)",
        "1 cue ending before it starts kept without an end (first at 00:00:10)",
    )


def test_good_files_have_no_warnings() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n47:59:00.000 --> 47:59:01.000\nLate.\n"
    )
    assert parse_vtt(vtt, "ep.vtt").warnings == ()


def test_vtt_tsv_and_json_are_checked_the_same_way() -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi.\n\n00:00:09.000 --> 00:00:03.000\nBack.\n"
    assert parse_vtt(vtt, "ep.vtt").warnings == (
        "1 cue ending before it starts kept without an end (first at 00:00:09)",
    )
    tsv = "start\tend\ttext\n1000\t2000\tHi.\n400000000\t400001000\tLate.\n"  # milliseconds
    assert parse_whisper_tsv(tsv, "ep.tsv").warnings == (
        "1 cue past 48 hours dropped (first: 111:06:40)",
    )
    segments = [
        {"start": 1.0, "end": 2.0, "text": "Hi."},
        {"start": -3.0, "end": 4.0, "text": "Before."},
        {"start": 5.0, "end": 4.5, "text": "Back."},
        {"start": 6.0, "end": 7.0, "text": "Bye."},
    ]
    assert parse_transcript_json(json.dumps({"segments": segments}), "ep.json").warnings == (
        "1 cue with a negative time dropped (first: -00:00:03)",
        "1 cue ending before it starts kept without an end (first at 00:00:05)",
    )


def test_index_names_each_file_with_a_warning_and_still_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "eps"
    folder.mkdir()
    (folder / "bad.srt").write_text(SRT)
    (folder / "good.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nFine words.\n")
    index = str(tmp_path / "ix")
    result = CliRunner().invoke(main, ["--index", index, "index", str(folder)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {folder / 'bad.srt'}: 1 cue with a negative time dropped (first: -00:00:05)",
        f"warning: {folder / 'bad.srt'}: 1 cue past 48 hours dropped (first: 99999:00:00)",
        f"warning: {folder / 'bad.srt'}: 1 cue ending before it starts kept without an end "
        "(first at 00:00:10)",
    ]
    assert Index(index).search("lantern").total == 1
    assert Index(index).search("future").total == 0

    (folder / "bad.srt").write_text(SRT + "\n6\n00:00:30,000 --> 00:00:31,000\nMore.\n")
    report = json.loads(
        CliRunner().invoke(main, ["--index", index, "index", str(folder), "--json"]).stdout
    )
    assert [w["source"] for w in report["warnings"]] == [str(folder / "bad.srt")] * 3


def _digits(usual: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    # Mostly the usual form; sometimes any digits, up to one more than the usual line takes.
    return st.one_of(usual, usual, usual, st.from_regex(rf"\A[0-9]{{1,{most}}}\Z"))


_TWO = st.one_of(
    st.integers(0, 59).map("{:02d}".format),
    st.integers(60, 99).map(str),  # 60+: refused
)
_CLOCK = st.tuples(
    _digits(st.integers(0, 99).map("{:02d}".format), 7),  # hours
    _digits(_TWO, 2),  # minutes, seconds: one digit is not usual
    _digits(_TWO, 2),
    st.sampled_from([".", ","]),
    _digits(st.from_regex(r"\A[0-9]{1,4}\Z"), 11),  # the fraction: .5, .25, .500, .1234
)


@given(_CLOCK, _CLOCK, st.sampled_from([" --> ", "\t-->\t", " -->  ", "-->", " --> -"]),
       st.sampled_from(["", " align:start", "\tposition:10%", "\xa0x", "x"]))  # fmt: skip
def test_usual_timing_lines_read_as_each_timestamp_alone(
    start: tuple[str, ...], end: tuple[str, ...], arrow: str, settings: str
) -> None:
    """The one-match reading of ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` gives parse_timestamp's
    numbers exactly, and refuses what it refuses."""
    from searchpod.ingest.transcripts.cues import parse_timestamp, parse_timing

    def clock(h: str, m: str, s: str, dot: str, f: str) -> str:
        return f"{h}:{m}:{s}{dot}{f}"

    line = clock(*start) + arrow + clock(*end) + settings
    left, _, right = line.partition("-->")
    try:
        first = parse_timestamp(left.split()[-1])
        second = right.split()[0]
        expected = (
            first,
            -parse_timestamp(second[1:]) if second[0] == "-" else parse_timestamp(second),
        )
    except (ValueError, IndexError):
        expected = None
    try:
        got: tuple[float, float] | None = parse_timing(line)
    except ValueError:
        got = None
    assert got == expected


def test_a_cue_is_a_frozen_value() -> None:
    """Cue sets its fields without the dataclass's generated __init__: it must still be
    the immutable, comparable, hashable, picklable value it was."""
    import dataclasses
    import pickle

    import pytest

    from searchpod.model import Cue

    cue = Cue("Hello there.", 1.5, end=2.0, speaker="Ana")
    assert cue == Cue(text="Hello there.", start=1.5, end=2.0, speaker="Ana", parts=())
    assert hash(cue) == hash(Cue("Hello there.", 1.5, 2.0, "Ana"))
    assert cue != Cue("Hello there.", 1.5, 2.0)
    assert (Cue("x").start, Cue("x").end, Cue("x").speaker, Cue("x").parts) == (
        None,
        None,
        None,
        (),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        cue.text = "changed"  # type: ignore[misc]
    assert dataclasses.replace(cue, speaker="Bo") == Cue("Hello there.", 1.5, 2.0, "Bo")
    assert pickle.loads(pickle.dumps(cue)) == cue
    assert dataclasses.asdict(cue)["speaker"] == "Ana"
    assert repr(cue) == "Cue(text='Hello there.', start=1.5, end=2.0, speaker='Ana', parts=())"
