"""Large runs are written by worker processes, one segment each: same index, same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod import Index
from tests.conftest import search_in_fresh_process
from tests.indexing.transcripts import transcript


def build(path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> Index:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    ix = Index.create(path)
    calls: list[tuple[int, int]] = []
    report = ix.add_paths([corpus], progress=lambda done, total, _: calls.append((done, total)))
    assert calls == [(n, 16) for n in range(1, 17)]  # 15 episodes + the broken file
    assert len(report.added) == 15
    assert [Path(f.source).name for f in report.failed] == ["broken.vtt"]
    return ix


def answers(ix: Index, query: str) -> dict[str, tuple[float, list[float | None]]]:
    # A dict: episodes with equal scores may come in either order (docnums differ).
    hits = ix.search(query, limit=50).hits
    return {h.id: (round(h.score, 6), [s.start for s in h.snippets]) for h in hits}


def test_parallel_build_answers_like_a_serial_one(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = build(tmp_path / "serial", corpus, monkeypatch, "0")
    parallel = build(tmp_path / "parallel", corpus, monkeypatch, "2")
    for query in ["glacier", "lantern falcon", '"mentions the copper"', "xylo7phone", "keepers"]:
        assert answers(parallel, query) == answers(serial, query), query
    assert list(answers(parallel, "xylo7phone")) == ["pod/t07.tsv"]
    assert parallel.stats().episodes == serial.stats().episodes == 15


def test_parallel_update_replaces_old_versions(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = build(tmp_path / "ix", corpus, monkeypatch, "2")
    for n in (3, 4):
        (corpus / f"t{n:02d}.tsv").write_text(
            transcript(n).replace(f"xylo{n}phone", f"marimba{n}"), encoding="utf-8"
        )
    report = ix.add_paths([corpus])
    assert sorted(report.updated) == ["pod/t03.tsv", "pod/t04.tsv"]
    assert not report.added
    assert ix.search("xylo3phone").total == 0
    assert [h.id for h in ix.search("marimba3").hits] == ["pod/t03.tsv"]
    assert ix.stats().episodes == 15


def test_stems_learnt_by_workers_are_saved(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path / "ix", corpus, monkeypatch, "2")
    # A fresh process finds a word only the workers stemmed without loading NLTK.
    assert search_in_fresh_process(tmp_path / "ix", "glacier") == (12, False)
