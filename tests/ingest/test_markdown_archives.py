"""Markdown transcripts as real archives write them: labels with degrees and titles,
section headings mid-file, every backslash escape, links with brackets inside, and show
notes (lists, headings, links) that must never become speakers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchpod.ingest.transcripts.markdown import inline_text, parse_markdown_transcript
from searchpod.model import Transcript

FIXTURES = Path(__file__).parents[1] / "fixtures" / "markdown"


def read(name: str) -> Transcript:
    return parse_markdown_transcript((FIXTURES / name).read_text(encoding="utf-8"), name)


def test_labels_with_degrees_and_titles_keep_speaker_and_time() -> None:
    cues = read("clinic-hour.md").cues
    said = {c.text.split(".")[0]: (c.start, c.speaker) for c in cues}
    assert said["Welcome back"] == (4.0, "Ana Ruiz")  # **Ana Ruiz, PhD:** \[00:00:04\]
    assert said["Thanks, Ana"] == (41.0, "Dr. Tom Weld")
    assert said["Friend until two in the afternoon, then a very expensive foe"] == (
        940.0, "Dr. Tom Weld"
    )  # fmt: skip


def test_a_heading_after_the_text_is_a_section_not_the_title() -> None:
    transcript = read("clinic-hour.md")
    assert transcript.title == "Clinic Hour 12: sleep, shifts and coffee"
    (brk,) = [c for c in transcript.cues if c.text == "Break"]
    assert brk.start == 862.0  # "# **Break:** \[00:14:22\]" marks a moment


def test_every_escape_gives_its_character() -> None:
    texts = [c.text for c in read("clinic-hour.md").cues]
    assert any("the first month was f*** up." in t for t in texts)
    assert inline_text(r"a \_b\_ \# c \<d\> 50\% \`e\`") == "a _b_ # c <d> 50% `e`"
    assert inline_text(r"\*\*not bold\*\*") == "**not bold**"


def test_links_keep_their_text_with_brackets_inside() -> None:
    texts = [c.text for c in read("clinic-hour.md").cues]
    assert any("in the rota study [2021] and the numbers" in t for t in texts)
    assert inline_text("[PEP 1 [draft]](https://x.example/a_(b)) ok") == "PEP 1 [draft] ok"


def test_show_notes_never_name_speakers() -> None:
    transcript = read("show-notes.md")
    assert {c.speaker for c in transcript.cues} == {None}
    assert transcript.title == "Compiler Corner 88"
    texts = [c.text for c in transcript.cues]
    assert "Astral Joins Compiler Co: what it means" in texts  # a heading, kept as text
    assert "Show: Mastodon and Bluesky" in texts
    assert "Sponsor: nobody this week" in texts  # each list item its own paragraph


def test_only_the_bold_names_speak_where_the_file_marks_turns_in_bold() -> None:
    speakers = {c.speaker for c in read("clinic-hour.md").cues}
    # Not "Show" or "Joke" (list items), nor the caption stutter "Lucas Lucas Lucas Lucas".
    assert speakers == {None, "Ana Ruiz", "Dr. Tom Weld"}


def test_a_plain_label_file_still_has_speakers() -> None:
    text = "# Chat\n\nAna: Hello there.\n\nBo: Hi Ana.\n\nAna: Shall we?\n\nBo: Yes.\n"
    assert [c.speaker for c in parse_markdown_transcript(text, "chat.md").cues] == [
        "Ana", "Bo", "Ana", "Bo"
    ]  # fmt: skip


@given(st.text(alphabet="\\*_[]()#!`~<>ab :-", max_size=60))
def test_inline_text_never_leaves_a_stand_in_character(line: str) -> None:
    assert not any(0xF0000 <= ord(c) <= 0xF00FF for c in inline_text(line))


@pytest.mark.parametrize("label", ["**Mireille Reece, PsyD:**", "**Jo Park, M.D.:**"])
def test_degrees_after_a_comma_are_not_part_of_the_name(label: str) -> None:
    name = label.strip("*:").split(",")[0]
    text = f"{label} \\[00:04:19\\] One.\n\n**Ana:** \\[00:05:00\\] Two.\n\n{label} Three.\n"
    cues = parse_markdown_transcript(text, "x.md").cues
    assert (cues[0].speaker, cues[0].start, cues[0].text) == (name, 259.0, "One.")


def test_a_bold_label_in_a_list_is_a_note_not_a_turn() -> None:
    text = (
        "**Ana:** Hello.\n\n**Bo:** Hi.\n\n**Ana:** Bye.\n\n"
        "- **Joke:** a pun about tides\n- **Joke:** another one\n"
    )
    cues = parse_markdown_transcript(text, "x.md").cues
    assert [c.speaker for c in cues][:3] == ["Ana", "Bo", "Ana"]
    assert {c.speaker for c in cues if c.text.startswith("Joke:")} <= {None, "Ana"}
    assert "Joke" not in {c.speaker for c in cues}
