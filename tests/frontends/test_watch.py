"""`watch`: a change on disk becomes searchable without running anything by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from searchpod import Index
from searchpod.model import IndexReport

pytest.importorskip("watchdog", reason="watching is the optional 'watch' extra")


@contextmanager
def watching(index: Index, folder: Path, **options: Any) -> Iterator[list[IndexReport]]:
    """``watch`` running in a thread for the ``with`` block: the reports of its runs."""
    from searchpod.frontends.watch import watch

    reports: list[IndexReport] = []
    stop = threading.Event()
    kwargs = {"on_report": reports.append, "on_error": pytest.fail, "stop": stop}
    thread = threading.Thread(
        target=watch, args=(index, [folder]), kwargs={**kwargs, "debounce": 0.2, **options}
    )
    thread.daemon = True
    thread.start()
    try:
        time.sleep(0.3)  # let the observer start
        yield reports
    finally:
        stop.set()
        thread.join(timeout=5)


def test_new_and_deleted_files_are_picked_up(built_index: Index, episodes_dir: Path) -> None:
    with watching(built_index, episodes_dir) as reports:
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


SRT_WITH_LABELS = (
    "1\n00:00:01,000 --> 00:00:04,000\nAna Lima: Falconry needs patience.\n\n"
    "2\n00:00:05,000 --> 00:00:08,000\nFelix Roy: And leather gauntlets.\n"
)


def test_watch_passes_the_indexing_options_on(built_index: Index, episodes_dir: Path) -> None:
    with watching(built_index, episodes_dir, speaker_labels=False) as reports:
        (episodes_dir / "falconry.srt").write_text(SRT_WITH_LABELS)
        deadline = time.monotonic() + 10
        while not reports and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reports and reports[-1].added == ("shows/falconry.srt",)
        assert built_index.search("falconry").total == 1
        # Labels were not read as speakers: the text keeps them, no speaker is set.
        assert built_index.search("falconry", speaker="lima").total == 0
        assert {c.speaker for c in built_index.get("shows/falconry.srt").cues} == {None}


def test_watch_command_takes_the_index_commands_options(
    tmp_path: Path, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import searchpod.frontends.watch
    from searchpod.frontends.cli import main
    from searchpod.ingest.files import MAX_FILE_ENV

    # The CLI's --max-file-mb sets the variable in this process: set first, so that
    # monkeypatch removes it afterwards (a bare delenv of an unset one records nothing, and
    # the 0.01 MB cap leaked into every later test).
    monkeypatch.setenv(MAX_FILE_ENV, "16")
    monkeypatch.delenv(MAX_FILE_ENV)
    (episodes_dir / "big.srt").write_text(SRT_WITH_LABELS * 400)  # ~40 KB
    seen: dict[str, object] = {}
    monkeypatch.setattr(searchpod.frontends.watch, "watch", lambda *a, **kw: seen.update(kw))
    result = CliRunner().invoke(
        main,
        [
            "--index",
            str(tmp_path / "ix"),
            "watch",
            "--no-speaker-labels",
            "--allow-private-hosts",
            "--max-file-mb",
            "0.01",
            str(episodes_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen["speaker_labels"] is False and seen["allow_private_hosts"] is True
    # The first run, before watching, already refused the file over the cap and named it.
    assert "big.srt" in result.stderr and "--max-file-mb" in result.stderr
    assert Index(tmp_path / "ix").stats().episodes == 3
