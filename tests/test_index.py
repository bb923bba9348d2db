"""Indexing: ids, incremental runs, pruning, rebuilds, versions, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod import Index, IndexNotFoundError, IndexVersionError
from searchpod.frontends.cli import main
from searchpod.indexing.store import CURRENT_FILE, META_FILE


def test_open_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no index at"):
        Index(tmp_path / "nothing")


def test_ids_are_relative_to_the_indexed_folder(shared_index: Index) -> None:
    assert shared_index.get("shows/eps-1.txt").title == "Eps 1: Lighthouse keepers of the north"
    assert len(shared_index) == 3


def test_second_run_with_nothing_changed_does_nothing(
    built_index: Index, episodes_dir: Path
) -> None:
    report = built_index.add_paths([episodes_dir])
    assert (len(report.added), len(report.updated), len(report.unchanged)) == (0, 0, 3)


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids whose files are read and hashed; files count as settled at once."""
    import searchpod.indexing.update
    from searchpod.ingest.sources import SourceGroup

    monkeypatch.setattr(searchpod.indexing.update, "STAT_SETTLE_S", -60.0)
    calls: list[str] = []
    original = SourceGroup.fingerprint

    def counting(self: SourceGroup) -> str:
        calls.append(self.id)
        return original(self)

    monkeypatch.setattr(SourceGroup, "fingerprint", counting)
    return calls


def test_unchanged_files_are_not_read_again(
    tmp_path: Path, episodes_dir: Path, hashed: list[str]
) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([episodes_dir])
    assert len(hashed) == 3
    hashed.clear()
    assert len(ix.add_paths([episodes_dir]).unchanged) == 3
    assert hashed == []


def test_a_touched_file_is_hashed_but_not_reindexed(
    tmp_path: Path, episodes_dir: Path, hashed: list[str]
) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([episodes_dir])
    (episodes_dir / "eps-1.txt").touch()
    hashed.clear()
    report = ix.add_paths([episodes_dir])
    assert hashed == ["shows/eps-1.txt"]
    assert len(report.unchanged) == 3


def test_same_size_edit_with_the_old_mtime_restored_is_still_seen(
    tmp_path: Path, episodes_dir: Path, hashed: list[str]
) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([episodes_dir])
    page = episodes_dir / "eps-2.txt"
    before = page.stat()
    page.write_text(page.read_text().replace("wheat", "flour"), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` would
    report = ix.add_paths([episodes_dir])
    assert report.updated == ("shows/eps-2.txt",)
    assert ix.search("flour").total == 1


def test_changed_added_and_deleted_files(built_index: Index, episodes_dir: Path) -> None:
    page = episodes_dir / "eps-2.txt"
    page.write_text(page.read_text().replace("wheat", "barley"), encoding="utf-8")
    (episodes_dir / "eps-9.txt").write_text(
        (episodes_dir / "eps-1.txt").read_text().replace("Eps 1:", "Eps 9:"), encoding="utf-8"
    )
    (episodes_dir / "eps-3.txt").unlink()
    report = built_index.add_paths([episodes_dir], prune=True)
    assert report.added == ("shows/eps-9.txt",)
    assert report.updated == ("shows/eps-2.txt",)
    assert report.removed == ("shows/eps-3.txt",)
    assert report.unchanged == ("shows/eps-1.txt",)
    assert built_index.search("barley").total == 1
    assert built_index.search("wheat").total == 0
    assert built_index.search("octopus").total == 0
    assert len(built_index) == 3


def test_without_prune_deleted_files_stay_searchable(
    built_index: Index, episodes_dir: Path
) -> None:
    (episodes_dir / "eps-3.txt").unlink()
    report = built_index.add_paths([episodes_dir])
    assert report.removed == ()
    assert built_index.search("octopus").total == 1


def test_prune_only_touches_the_paths_given(tmp_path: Path, built_index: Index) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "eps-5.txt").write_text((tmp_path / "shows" / "eps-1.txt").read_text(), "utf-8")
    built_index.add_paths([other])
    (other / "eps-5.txt").unlink()
    report = built_index.add_paths([other], prune=True)
    assert report.removed == ("other/eps-5.txt",)
    assert len(built_index) == 3


def test_prune_after_moving_the_folder(tmp_path: Path, built_index: Index) -> None:
    moved = tmp_path / "elsewhere" / "shows"
    moved.parent.mkdir()
    (tmp_path / "shows").rename(moved)
    assert len(built_index.add_paths([moved]).unchanged) == 3  # same ids, nothing re-read
    (moved / "eps-2.txt").unlink()
    report = built_index.add_paths([moved], prune=True)
    assert report.removed == ("shows/eps-2.txt",)
    assert built_index.search("bakers").total == 0


def test_rebuild_swaps_in_a_new_generation(built_index: Index, episodes_dir: Path) -> None:
    before = (built_index.path / CURRENT_FILE).read_text()
    report = built_index.add_paths([episodes_dir], rebuild=True)
    assert len(report.added) == 3
    assert (built_index.path / CURRENT_FILE).read_text() != before
    assert not (built_index.path / before).exists()
    assert built_index.search("octopus").total == 1


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path, episodes_dir: Path) -> None:
    (episodes_dir / "empty.txt").write_bytes(b"")
    (episodes_dir / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (episodes_dir / "about.html").write_text(
        "<html><body><h1>About us</h1><p>We make shows.</p></body></html>"
    )
    ix = Index.create(tmp_path / "ix")
    report = ix.add_paths([episodes_dir, tmp_path / "missing"])
    reasons = {Path(f.source).name: f.reason for f in report.failed}
    assert set(reasons) == {"empty.txt", "binary.html", "about.html", "missing"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.html"]
    assert "not an episode page" in reasons["about.html"]
    assert "no such file" in reasons["missing"]
    assert len(report.added) == 3


def test_source_files_are_never_modified(tmp_path: Path, episodes_dir: Path) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in episodes_dir.iterdir()}
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([episodes_dir])
    ix.add_paths([episodes_dir], prune=True, rebuild=True)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in episodes_dir.iterdir()} == before


def test_incompatible_index_says_to_rebuild(built_index: Index) -> None:
    gen = built_index.path / (built_index.path / CURRENT_FILE).read_text()
    (gen / META_FILE).write_text(json.dumps({"schema_version": 0, "analyser": "old"}))
    with pytest.raises(IndexVersionError, match="searchpod index --rebuild"):
        Index(built_index.path)


def test_an_index_from_before_passages_asks_for_a_rebuild_which_works(
    built_index: Index, episodes_dir: Path
) -> None:
    # Version 3 indexes hold no passages, which moments rank: they are refused with the
    # command that fixes them, and that command works on them.
    from searchpod.text.analysis import ANALYSER_VERSION

    meta = built_index.path / (built_index.path / CURRENT_FILE).read_text() / META_FILE
    meta.write_text(json.dumps({"schema_version": 3, "analyser": ANALYSER_VERSION}))
    with pytest.raises(IndexVersionError, match="run 'searchpod index --rebuild'"):
        Index(built_index.path)
    result = CliRunner().invoke(
        main, ["--index", str(built_index.path), "index", "--rebuild", str(episodes_dir)]
    )
    assert result.exit_code == 0, result.output
    rebuilt = Index(built_index.path)
    assert rebuilt.search("lighthouse").total == 1
    assert rebuilt.moments("keepers").total >= 1


def test_failed_run_leaves_the_committed_index_searchable(
    built_index: Index, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchpod.indexing.build as build_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    (episodes_dir / "eps-1.txt").write_text(EPISODE_CHANGE, encoding="utf-8")
    monkeypatch.setattr(build_module, "episode_document", explode)
    with pytest.raises(RuntimeError):
        built_index.add_paths([episodes_dir])
    reopened = Index(built_index.path)
    assert reopened.search("lighthouse").total == 1
    assert reopened.search("zeppelin").total == 0


EPISODE_CHANGE = (
    "Eps 1: Zeppelins\n— Harbour Lights\nAirships.\nHost\nMara Okafor\nPodcast Content\nzeppelin\n"
)


def test_one_episode_at_a_time_merges_little_at_a_time_and_finds_everything(
    tmp_path: Path,
) -> None:
    from whoosh.index import open_dir

    from searchpod.engine.writing import INLINE_MERGE_DOCS
    from searchpod.indexing.build import MERGE_FACTOR
    from searchpod.indexing.store import IndexDir
    from tests.conftest import text_page

    def sizes() -> list[int]:
        segments = open_dir(str(IndexDir(tmp_path / "ix").current()))._segments()
        return sorted(s.doc_count_all() for s in segments)

    folder = tmp_path / "weekly"
    folder.mkdir()
    ix = Index.create(tmp_path / "ix")
    history = []
    weeks = 3 * MERGE_FACTOR + 2
    for week in range(1, weeks + 1):
        page = text_page(week, f"Week {week}", "Weekly", "Ann Lee", "News.", f"Story w{week}x.")
        (folder / f"w{week:02d}.txt").write_text(page, encoding="utf-8")
        assert len(ix.add_paths([folder]).added) == 1
        history.append(sizes())
    # One segment per addition until MERGE_FACTOR small ones fit the budget together...
    assert [len(h) for h in history[: MERGE_FACTOR - 1]] == list(range(1, MERGE_FACTOR))
    # ...and no segment ever grows past what one commit may merge plus its own episode.
    assert max(max(h) for h in history) <= INLINE_MERGE_DOCS + 1
    assert len(history[-1]) <= weeks // MERGE_FACTOR + MERGE_FACTOR
    assert [ix.search(f"w{w}x").total for w in range(1, weeks + 1)] == [1] * weeks
    assert ix.optimize() == (len(history[-1]), 1)
    assert sizes() == [weeks]
    assert [ix.search(f"w{w}x").total for w in range(1, weeks + 1)] == [1] * weeks


def test_stats_follow_every_commit_including_other_writers(
    tmp_path: Path, built_index: Index, episodes_dir: Path
) -> None:
    assert built_index.stats().episodes == 3
    assert built_index.stats() == built_index.stats()  # the same answer until a commit
    (episodes_dir / "eps-8.txt").write_text(
        "Eps 8: Kites\n— Harbour Lights\nKites.\nHost\nMara Okafor\nPodcast Content\nKites.\n"
    )
    Index(built_index.path).add_paths([episodes_dir])  # another writer commits
    assert built_index.stats().episodes == 4
    (episodes_dir / "eps-8.txt").unlink()
    built_index.add_paths([episodes_dir], prune=True)
    stats = built_index.stats()
    assert stats.episodes == 3 and "Mara Okafor" in stats.hosts
    assert sum(stats.hosts.values()) == 3
