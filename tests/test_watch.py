"""`watch`: a change on disk becomes searchable without running anything by hand."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.model import IndexReport

pytest.importorskip("watchdog", reason="watching is the optional 'watch' extra")


def test_new_and_deleted_files_are_picked_up(built_index: Index, episodes_dir: Path) -> None:
    from searchpod.watch import watch

    reports: list[IndexReport] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(built_index, [episodes_dir]),
        kwargs={
            "on_report": reports.append,
            "on_error": pytest.fail,
            "stop": stop,
            "debounce": 0.2,
        },
        daemon=True,
    )
    thread.start()
    try:
        time.sleep(0.3)  # let the observer start
        (episodes_dir / "eps-8.txt").write_text(
            "Eps 8: Kites\n— Harbour Lights\nKites.\nHost\nMara Okafor\nPodcast Content\n"
            "A kite festival on the dunes.\n"
        )
        deadline = time.monotonic() + 10
        while not reports and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports and reports[-1].added == ("shows/eps-8.txt",)
        assert built_index.search("kite festival").total == 1

        (episodes_dir / "eps-8.txt").unlink()
        deadline = time.monotonic() + 10
        while len(reports) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports[-1].removed == ("shows/eps-8.txt",)
        assert built_index.search("kite festival").total == 0
    finally:
        stop.set()
        thread.join(timeout=5)
