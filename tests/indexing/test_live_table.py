"""The saved table of live episodes (id -> fingerprint, path) that incremental runs read
instead of the index: it always describes the live commit, or it is not used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.engine.writing import commit_stamp, read_live
from searchpod.indexing.store import LIVE_FILE, IndexDir, load_live
from searchpod.indexing.update import live_documents
from searchpod.ingest.sources import discover
from tests.conftest import text_page


def write_episodes(folder: Path, numbers: range, word: str = "lantern") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        page = text_page(n, f"Episode {n}", "Show", "Host", f"About {word}.", f"{word} {n}.")
        (folder / f"ep-{n}.txt").write_text(page, encoding="utf-8")


def saved_table(index: Path) -> dict[str, tuple[str, str]] | None:
    gen = IndexDir(index).current()
    return load_live(gen, commit_stamp(gen))


def index_table(index: Path) -> dict[str, tuple[str, str]]:
    return read_live(IndexDir(index).current())


def test_saved_table_follows_adds_updates_prunes_and_rebuilds(tmp_path: Path) -> None:
    folder, index = tmp_path / "eps", tmp_path / "ix"
    write_episodes(folder, range(3))
    ix = Index.create(index)
    ix.add_paths([folder])
    assert saved_table(index) == index_table(index) and len(index_table(index)) == 3

    write_episodes(folder, range(2, 4), word="harbour")  # one changed, one new
    report = ix.add_paths([folder])
    assert (len(report.added), len(report.updated)) == (1, 1)
    assert saved_table(index) == index_table(index) and len(index_table(index)) == 4

    (folder / "ep-0.txt").unlink()
    report = ix.add_paths([folder], prune=True)
    assert report.removed == ("eps/ep-0.txt",)
    assert saved_table(index) == index_table(index)
    assert "eps/ep-0.txt" not in index_table(index)

    ix.add_paths([folder], rebuild=True)
    assert saved_table(index) == index_table(index) and len(index_table(index)) == 3


def test_built_by_worker_processes_the_table_is_read_from_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", "2")
    monkeypatch.setattr("searchpod.indexing.build.worker_count", lambda todo: 2)
    folder, index = tmp_path / "eps", tmp_path / "ix"
    write_episodes(folder, range(6))
    Index.create(index).add_paths([folder])
    assert saved_table(index) == index_table(index) and len(index_table(index)) == 6


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_killed_between_commit_and_saving_the_table(tmp_path: Path) -> None:
    folder, index = tmp_path / "eps", tmp_path / "ix"
    write_episodes(folder, range(2))
    Index.create(index).add_paths([folder])
    write_episodes(folder, range(2, 3))
    # kill -9 at the worst moment: the commit is on disk, the table not yet written.
    script = textwrap.dedent(f"""
        import os, signal
        import searchpod.indexing.update
        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        searchpod.indexing.update.save_live = die
        from searchpod import Index
        Index({str(index)!r}).add_paths([{str(folder)!r}])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    assert saved_table(index) is None  # it names the commit before: not trusted
    gen = IndexDir(index).current()
    assert live_documents(gen) == index_table(index) and len(index_table(index)) == 3
    report = Index(index).add_paths([folder])
    assert report.added == () and report.updated == () and len(report.unchanged) == 3
    assert saved_table(index) == index_table(index)


def test_a_stale_or_damaged_table_is_not_trusted(tmp_path: Path) -> None:
    folder, index = tmp_path / "eps", tmp_path / "ix"
    write_episodes(folder, range(2))
    ix = Index.create(index)
    ix.add_paths([folder])
    table = IndexDir(index).current() / LIVE_FILE
    old = table.read_bytes()
    write_episodes(folder, range(2, 3))
    ix.add_paths([folder])

    table.write_bytes(old)  # from the commit before
    report = ix.add_paths([folder])
    assert report.added == () and len(report.unchanged) == 3
    assert saved_table(index) == index_table(index)

    for damage in (b"", b"\x00garbage", old[: len(old) // 2]):
        table.write_bytes(damage)
        report = ix.add_paths([folder])
        assert report.added == () and len(report.unchanged) == 3
        assert saved_table(index) == index_table(index)


def test_files_named_from_the_current_folder_keep_their_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "show"
    folder.mkdir()
    (folder / "ep.html").write_text("<title>Ep</title><p>hello</p>", encoding="utf-8")
    (folder / "ep.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", "utf-8")
    (folder / ".ep.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "utf-8")
    monkeypatch.chdir(folder)
    groups, failures = discover(["ep.vtt", "ep.html", ".ep.vtt"])
    assert failures == []
    assert sorted(g.id for g in groups) == ["show/.ep.vtt", "show/ep.html"]
    assert [f.name for f in next(g for g in groups if g.id == "show/ep.html").files] == [
        "ep.html",
        "ep.vtt",
    ]
