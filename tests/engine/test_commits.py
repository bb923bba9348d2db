"""A searcher pins its commit: writers, here or in another process, delete none of its files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.engine.commits import commit_numbers
from searchpod.engine.searchers import SearcherPool
from searchpod.indexing.store import IndexDir
from tests.conftest import text_page

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pins are flock(2) locks")

# Commits that delete files: additions merging small segments away, an optimize that
# rewrites them all, a prune, then a rebuild that replaces the whole generation.
WRITES = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from searchpod import Index

    index, folder = Path(sys.argv[1]), Path(sys.argv[2])
    ix = Index(index)
    for n in range(4, 10):
        (folder / f"more-{n}.txt").write_text(f"Episode {n} about lanterns and kites.\\n")
        ix.add_paths([folder])
    ix.optimize()
    (folder / "more-4.txt").unlink()
    ix.add_paths([folder], prune=True)
    ix.add_paths([folder], rebuild=True)
    """
)


def write_elsewhere(index: Path, folder: Path) -> None:
    subprocess.run([sys.executable, "-c", WRITES, str(index), str(folder)], check=True)


def write_here(index: Path, folder: Path) -> None:
    namespace: dict[str, object] = {}
    argv = sys.argv
    sys.argv = ["writes", str(index), str(folder)]
    try:
        exec(WRITES, namespace)
    finally:
        sys.argv = argv


@pytest.fixture
def segmented(tmp_path: Path) -> tuple[Path, Path]:
    """An index of a folder, built by three commits (so three segments)."""
    folder = tmp_path / "shows"
    folder.mkdir()
    index = tmp_path / "index"
    ix = Index.create(index)
    for n in range(1, 4):
        body = f"Kites over the harbour, part {n}. " * 50
        (folder / f"eps-{n}.txt").write_text(
            text_page(n, f"Kites {n}", "Sky", "Ada", "Kites.", body)
        )
        ix.add_paths([folder])
    ix.close()
    return index, folder


@pytest.mark.parametrize("writer", [write_elsewhere, write_here], ids=["other process", "same"])
def test_an_open_searcher_reads_its_whole_commit_while_writers_delete_and_rebuild(
    segmented: tuple[Path, Path], writer: object
) -> None:
    index, folder = segmented
    gen = IndexDir(index).current()
    pool = SearcherPool(gen)
    with pool.searcher() as searcher:
        docs = searcher.doc_count()
        writer(index, folder)  # type: ignore[operator]
        assert IndexDir(index).current() != gen, "the rebuild was published"
        # Still the commit it pinned, read whole: stored fields, every column (opened only
        # now, after the writers deleted what their commits no longer need).
        assert searcher.doc_count() == docs == 3
        assert not searcher.is_current()
        documents = list(searcher.documents())
        assert len(documents) == 3
        for docnum, stored in documents:
            assert "Kites" in stored["title"]
            assert "Kites over the harbour" in searcher.body_text(docnum)
        assert gen.is_dir(), "a pinned generation stays"
    pool.close()
    # Nobody pins it now: the next run removes the old generation and every spare file.
    Index(index).add_paths([folder])
    assert not gen.exists()
    live = IndexDir(index).current()
    assert len(commit_numbers(live)) == 1
    assert Index(index).search("lanterns").total == 5  # 6 added, 1 pruned, all rebuilt


def test_a_run_deletes_what_nobody_pins_and_keeps_what_a_searcher_reads(
    segmented: tuple[Path, Path],
) -> None:
    index, folder = segmented
    gen = IndexDir(index).current()
    pinned = commit_numbers(gen)[-1]
    pool = SearcherPool(gen)
    with pool.searcher():
        (folder / "eps-9.txt").write_text(text_page(9, "Late", "Sky", "Ada", "Late.", "late"))
        Index(index).add_paths([folder])  # commit 2 of 2 while commit 1 is pinned
        assert pinned in commit_numbers(gen)
    pool.close()
    (folder / "eps-9.txt").unlink()
    Index(index).add_paths([folder], prune=True)
    assert commit_numbers(gen) == [pinned + 2]
