"""Merging segments: no commit rewrites more than a few times what it adds; optimizing
merges everything at a time of the user's choosing, and a kill -9 during it loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.index import open_dir

from searchpod import Index
from searchpod.engine.writing import (
    INLINE_MERGE_DOCS,
    MERGE_FACTOR,
    MERGE_FACTOR_AT_CEILING,
    OPTIMIZE_KEEP_DOCS,
    SEGMENT_CEILING,
    merge_plan,
    optimize_plan,
)
from searchpod.frontends.cli import main
from searchpod.indexing.store import IndexDir
from tests.conftest import text_page


def merged_docs(sizes: list[tuple[int, int]], added: int) -> int:
    return sum(sizes[i][0] for i in merge_plan(sizes, added))


def test_small_segments_merge_once_enough_fit_the_budget() -> None:
    big = [(1500, 0), (1500, 0)]
    few = big + [(1, 0)] * (MERGE_FACTOR - 1)
    assert merge_plan(few, added=1) == []
    enough = big + [(1, 0)] * MERGE_FACTOR
    assert sorted(merge_plan(enough, added=1)) == list(range(2, 2 + MERGE_FACTOR))


def test_a_single_addition_never_merges_more_than_the_budget() -> None:
    # Whatever the segments, below the ceiling: the old tiers would have merged ten 10-doc
    # segments here (100 documents rewritten for one added).
    for sizes in (
        [(1500, 0)] + [(10, 0)] * 10 + [(1, 0)] * 3,
        [(5, 0)] * 30,
        [(1, 0), (2, 0), (3, 0), (4, 0), (5, 0)],
    ):
        assert merged_docs(sizes, added=1) <= INLINE_MERGE_DOCS


def test_a_bigger_addition_may_merge_in_proportion() -> None:
    sizes = [(1500, 0)] + [(20, 0)] * 8
    assert merge_plan(sizes, added=1) == []
    assert merged_docs(sizes, added=40) > 0


def test_at_the_ceiling_the_smallest_segments_are_merged() -> None:
    sizes = [(1500, 0)] + [(5, 0)] * (SEGMENT_CEILING - 1)
    plan = merge_plan(sizes, added=1)
    assert len(plan) == MERGE_FACTOR_AT_CEILING and 0 not in plan
    assert merge_plan(sizes[:-1], added=1) == []


def test_a_segment_with_many_deletions_is_rewritten() -> None:
    assert merge_plan([(100, 30), (1, 0)], added=1) == [0]
    assert merge_plan([(100, 10), (1, 0)], added=1) == []


def test_optimizing_merges_all_but_a_builds_big_segments() -> None:
    big = OPTIMIZE_KEEP_DOCS * 10
    assert optimize_plan([(big, 0), (big, 0)] + [(4, 0)] * 25) == list(range(2, 27))
    assert optimize_plan([(big, 0), (big, 0), (4, 0)]) == []  # nothing to gain
    assert optimize_plan([(big, big // 2), (big, 0)]) == [0]  # deletions are dropped
    # One replaced episode in a big segment is not worth rewriting it (minutes at 3,000).
    assert optimize_plan([(big, 1), (big, 0)]) == []
    assert optimize_plan([(big, 1), (big, 0), (4, 0), (4, 1)]) == [2, 3]
    assert optimize_plan([(50, 0), (50, 0), (3, 0)]) == [0, 1, 2]  # small: all merged
    assert optimize_plan([(big, 0), (OPTIMIZE_KEEP_DOCS, 0)] + [(4, 0)] * 3) == [1, 2, 3, 4]


def write_week(folder: Path, week: int) -> None:
    page = text_page(week, f"Week {week}", "Weekly", "Ann Lee", "News.", f"Story w{week}x.")
    (folder / f"w{week:02d}.txt").write_text(page, encoding="utf-8")


def segments(index: Path) -> int:
    return len(open_dir(str(IndexDir(index).current()))._segments())


@pytest.fixture
def weekly(tmp_path: Path) -> tuple[Path, Path]:
    """An index of 6 episodes added one at a time (several segments)."""
    folder, index = tmp_path / "weekly", tmp_path / "ix"
    folder.mkdir()
    ix = Index.create(index)
    for week in range(1, 7):
        write_week(folder, week)
        ix.add_paths([folder])
    assert segments(index) > 1
    return folder, index


def test_index_optimize_merges_into_one_segment(weekly: tuple[Path, Path]) -> None:
    folder, index = weekly
    result = CliRunner().invoke(main, ["--index", str(index), "index", str(folder), "--optimize"])
    assert result.exit_code == 0, result.output
    assert segments(index) == 1
    ix = Index(index)
    assert [ix.search(f"w{w}x").total for w in range(1, 7)] == [1] * 6
    report = ix.add_paths([folder])  # the saved live table still describes the index
    assert (report.added, report.updated, len(report.unchanged)) == ((), (), 6)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("moment", ["before the commit", "after the commit"])
def test_killed_while_optimizing_keeps_a_searchable_commit(
    weekly: tuple[Path, Path], moment: str
) -> None:
    folder, index = weekly
    before = segments(index)
    # kill -9 with the merged segment written but not committed, or committed but the
    # live table not yet saved.
    target = (
        "import searchpod.engine.writing as w; w._write_table = die"
        if moment == "before the commit"
        else "import searchpod.indexing.update as u; u.save_live = die"
    )
    script = textwrap.dedent(f"""
        import os, signal
        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        {target}
        from searchpod import Index
        Index({str(index)!r}).optimize()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert segments(index) == (before if moment == "before the commit" else 1)
    ix = Index(index)
    assert [ix.search(f"w{w}x").total for w in range(1, 7)] == [1] * 6
    report = ix.add_paths([folder])
    assert (report.added, report.updated, len(report.unchanged)) == ((), (), 6)
    write_week(folder, 7)
    assert ix.add_paths([folder]).added == ("weekly/w07.txt",)


def test_watch_merges_small_segments_once_changes_quiet_down(weekly: tuple[Path, Path]) -> None:
    pytest.importorskip("watchdog", reason="watching is the optional 'watch' extra")
    import threading
    import time

    from searchpod.frontends.watch import watch

    folder, index = weekly
    ix = Index(index)
    merged: list[tuple[int, int]] = []
    reports: list[object] = []
    stop = threading.Event()
    kwargs = {"on_report": reports.append, "on_error": pytest.fail, "stop": stop}
    thread = threading.Thread(
        target=watch,
        args=(ix, [folder]),
        kwargs={**kwargs, "debounce": 0.2, "optimize_after": 0.5, "on_optimize": merged.append},
        daemon=True,
    )
    thread.start()
    try:
        time.sleep(0.3)
        assert not merged  # nothing changed yet: nothing to merge
        write_week(folder, 7)
        deadline = time.monotonic() + 15
        while not merged and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports and merged and merged[0][0] > 1 and merged[0][1] == 1
        assert segments(index) == 1
        assert [ix.search(f"w{w}x").total for w in range(1, 8)] == [1] * 7
        time.sleep(1.0)
        assert len(merged) == 1  # merged once per quiet spell, not again and again
    finally:
        stop.set()
        thread.join(timeout=5)
