"""Helpers shared by the transcript parser tests."""

from __future__ import annotations

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
