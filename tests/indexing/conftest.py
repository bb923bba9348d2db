"""What the indexing tests share: a corpus large enough for worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_episodes
from tests.indexing.transcripts import transcript


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """15 episodes and one broken file: 16 items to index."""
    folder = write_episodes(tmp_path / "pod")
    for n in range(1, 13):
        (folder / f"t{n:02d}.tsv").write_text(transcript(n), encoding="utf-8")
    (folder / "broken.vtt").write_bytes(b"WEBVTT\n\nnot a cue at all\n")
    return folder
