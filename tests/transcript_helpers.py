"""Helpers shared by the transcript parser tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from searchpod.model import Cue

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def assert_cue(cue: Cue, text: str, start: float, end: float, speaker: str | None) -> None:
    assert cue.text == text
    assert cue.start == pytest.approx(start, abs=0.001)
    assert cue.end == pytest.approx(end, abs=0.001)
    assert cue.speaker == speaker


def write_random_shows(
    folder: Path,
    words: list[str],
    rng: random.Random,
    count: int,
    most_lines: int,
    prefix: str = "",
) -> None:
    """``count`` Whisper TSV transcripts in ``folder`` (made), each of 5 to ``most_lines``
    timed lines of 3-12 random ``words``: many passages and episodes holding the same words."""
    folder.mkdir()
    for n in range(count):
        rows = ["start\tend\ttext"]
        for i in range(rng.randint(5, most_lines)):
            line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
            rows.append(f"{i * 7000}\t{i * 7000 + 6000}\tThe {line}.")
        (folder / f"ep-{prefix}{n}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
