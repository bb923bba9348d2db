"""Speaker labels only where a file marks turns with them; times only where lines carry them."""

from __future__ import annotations

import json

import pytest

from searchpod.ingest.sources import facts_from_name
from searchpod.ingest.transcripts.cues import label_speakers
from searchpod.ingest.transcripts.detect import parse_transcript
from searchpod.ingest.transcripts.jsonfile import parse_transcript_json
from searchpod.ingest.transcripts.markdown import markdown_to_text, parse_markdown_transcript
from searchpod.ingest.transcripts.plaintext import parse_plain_transcript
from searchpod.ingest.transcripts.srt import parse_srt
from searchpod.ingest.transcripts.vtt import parse_vtt
from searchpod.model import Cue


def _vtt(lines: list[str]) -> str:
    blocks = [
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900\n{line}"
        for i, line in enumerate(lines)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def test_one_stray_label_names_nobody() -> None:
    lines = ["Joe: grab the mic."] + [f"Caption number {n} goes here." for n in range(200)]
    cues = parse_vtt(_vtt(lines), "a.vtt").cues
    assert {c.speaker for c in cues} == {None}
    assert cues[0].text == "Joe: grab the mic."  # the label stays searchable text


def test_sporadic_captioner_labels_name_only_their_own_cues() -> None:
    lines = [f"Caption number {n} goes here." for n in range(300)]
    lines[10] = ">> MARK: I disagree."
    lines[150] = "MARK: Same again."
    lines[200] = "SARAH: Fine."
    cues = parse_vtt(_vtt(lines), "a.vtt").cues
    named = [(c.speaker, c.text) for c in cues if c.speaker]
    assert named == [("MARK", "I disagree."), ("MARK", "Same again."), ("SARAH", "Fine.")]


def test_alternating_labels_carry_forward_until_the_next_turn() -> None:
    srt = "\n\n".join(
        f"{n + 1}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\n{text}"
        for n, text in enumerate(
            ["JEFF: Hi.", "More from Jeff.", "DAN: Hello.", "More from Dan.", "JEFF: Bye."]
        )
    )
    assert [c.speaker for c in parse_srt(srt, "a.srt").cues] == [
        "JEFF", "JEFF", "DAN", "DAN", "JEFF"
    ]  # fmt: skip


def test_voice_spans_win_over_text_labels() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Felix: really?\n\n00:02.000 --> 00:03.000\nYes.\n"
    cues = parse_vtt(vtt, "a.vtt").cues
    assert [(c.speaker, c.text) for c in cues] == [("Ana", "Felix: really?"), ("Ana", "Yes.")]


def test_label_in_prose_is_not_a_speaker() -> None:
    text = (
        "COBOL: a language from 1959 that still runs banks.\n\n"
        "It was designed by a committee.\n\nMany programs remain in use."
    )
    cues = parse_plain_transcript(text, "a.txt").cues
    assert {c.speaker for c in cues} == {None}
    assert cues[0].text.startswith("COBOL: a language")


def test_label_detection_can_be_turned_off() -> None:
    text = "Ana: Hi.\n\nFelix: Hello.\n\nAna: Bye."
    assert [c.speaker for c in parse_plain_transcript(text, "a.txt").cues] == [
        "Ana", "Felix", "Ana"
    ]  # fmt: skip
    assert [c.speaker for c in parse_plain_transcript(text, "a.txt", labels=False).cues] == [
        None, None, None
    ]  # fmt: skip
    assert label_speakers([Cue("Ana: Hi.")], labels=False) == [Cue("Ana: Hi.")]


def test_timed_text_lines_in_every_bracketing() -> None:
    text = "00:00:09 First.\n[00:12:35] Ana: Second.\n(12:40) Third.\n\\[13:55\\] Fourth.\n"
    cues = parse_transcript(text, "a.txt", suffix=".txt").cues
    assert [(c.start, c.text) for c in cues] == [
        (9.0, "First."), (755.0, "Ana: Second."), (760.0, "Third."), (835.0, "Fourth.")
    ]  # fmt: skip


def test_a_time_opening_one_line_of_prose_is_text() -> None:
    text = "10:30 in the morning we left the harbour.\n\nThe boat was small.\n\nWe sang.\n"
    cues = parse_plain_transcript(text, "a.txt").cues
    assert cues[0].start is None and cues[0].text.startswith("10:30 in the morning")


def test_voice_tags_in_text_are_speakers_not_words() -> None:
    cues = parse_plain_transcript("<v Ana Lima>Hello there.\n<v Bo>Hi.</v>\n", "a.txt").cues
    assert [(c.speaker, c.text) for c in cues] == [("Ana Lima", "Hello there."), ("Bo", "Hi.")]
    timed = "00:25:04 <v Ana Lima>RICK: Read this.\n00:25:11 <v Bo>Yes.\n00:25:12 Sure.\n"
    cues = parse_plain_transcript(timed, "a.txt").cues
    assert [(c.start, c.speaker, c.text) for c in cues] == [
        (1504.0, "Ana Lima", "RICK: Read this."), (1511.0, "Bo", "Yes."), (1512.0, "Bo", "Sure.")
    ]  # fmt: skip


def test_entities_decoded_in_text_and_markdown() -> None:
    assert parse_plain_transcript("I don&#39;t &amp; won&rsquo;t.", "a.txt").cues[0].text == (
        "I don't & won\u2019t."
    )
    (cue,) = parse_markdown_transcript("**Bo:** I don&#39;t know", "a.md").cues
    assert cue.text == "I don't know"


def test_markdown_syntax_removed_and_title_from_heading() -> None:
    text, title = markdown_to_text(
        "# My *Show* 12\n\n> **Ana:** see [the docs](http://x.y/z) and ![a chart](c.png)\n"
        "* `snake_case_name` stays, __bold__ goes\n[ref]: http://x.y\n"
    )
    assert title == "My Show 12"
    assert "Ana: see the docs and a chart" in text
    assert "snake_case_name stays, bold goes" in text
    assert "http" not in text


def test_json_list_of_cues_in_seconds_or_milliseconds() -> None:
    seconds = [{"start": 1.5, "end": 3.0, "text": "One."}, {"start": 3.0, "end": 4, "text": "Two."}]
    assert [c.start for c in parse_transcript_json(json.dumps(seconds), "a").cues] == [1.5, 3.0]
    millis = [
        {"startTime": 1500, "endTime": 3000, "body": "One."},
        {"startTime": 3000, "endTime": 4000, "body": "Two."},
    ]
    cues = parse_transcript_json(json.dumps(millis), "a").cues
    assert [(c.start, c.end) for c in cues] == [(1.5, 3.0), (3.0, 4.0)]
    assert parse_transcript(json.dumps(millis), "a", suffix=".txt").cues[0].start == 1.5


def test_word_level_json_joins_punctuation_and_keeps_each_words_time() -> None:
    words = [("Friday", 1.0), (",", 1.4), ("the", 1.5), ("2nd", 1.7), (".", 2.0)]
    data = {"segments": [{"word": w, "start": s, "end": s + 0.2} for w, s in words]}
    (cue,) = parse_transcript_json(json.dumps(data), "a").cues
    assert cue.text == "Friday, the 2nd."
    at = {cue.text[offset:].split()[0].strip(",."): start for offset, start, _ in cue.parts}
    assert at["2nd"] == 1.7 and at["the"] == 1.5


def test_html_transcript_from_a_feed_keeps_times_and_speakers() -> None:
    html = (
        "<html><body><cite>Ana:</cite><time>0:05</time><p>Hi.</p>"
        "<cite>Bo:</cite><time>1:10</time><p>Hello.</p></body></html>"
    )
    cues = parse_transcript(html, "https://x.y/t", content_type="text/html").cues
    assert [(c.start, c.speaker, c.text) for c in cues] == [
        (5.0, "Ana", "Hi."),
        (70.0, "Bo", "Hello."),
    ]


def test_markdown_break_marks_time_the_turns_after_them() -> None:
    md = (
        "# Episode 500\n\n**Ana Lima:** Compilers today.\n\n**Bo Reef:** Parsers first.\n\n"
        "**Break:** \\[00:29:15\\]\n\n**Ana Lima:** Back with linkers.\n"
    )
    cues = parse_markdown_transcript(md, "a.md").cues
    assert [(c.start, c.speaker) for c in cues if "linkers" in c.text] == [(1755.0, "Ana Lima")]
    assert "Break" not in {c.speaker for c in cues}


@pytest.mark.parametrize(
    ("stem", "title", "episode", "published"),
    [
        ("530-anywidget", "Anywidget", 530, None),
        ("news_2024-01-25", "News 2024-01-25", None, "2024-01-25"),
        ("20240125-daily", "Daily 2024-01-25", None, "2024-01-25"),
        ("LaLaLand", "LaLaLand", None, None),
        ("001-intro-to-pip-9", "Intro to pip 9", 1, None),
        ("show-ep-42-final", "Show ep 42 final", 42, None),
        ("Episode_7", "Episode 7", 7, None),
        ("2023_recap", "2023 recap", None, None),
        ("python-3.6-news", "Python 3.6 news", None, None),
        ("12", "Episode 12", 12, None),
    ],
)
def test_file_names_give_number_date_and_title(
    stem: str, title: str, episode: int | None, published: str | None
) -> None:
    facts = facts_from_name(stem)
    assert (facts.title, facts.episode) == (title, episode)
    assert (facts.published.isoformat() if facts.published else None) == published
