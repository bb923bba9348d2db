"""The CLI's progress bar is drawn from the library's progress events."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

from rich.console import Console

from searchpod import EpisodeFailed, EpisodeParsed, FilesFound, IngestFailure
from searchpod.frontends.cli import _progress


def test_the_bar_follows_the_events() -> None:
    console = SimpleNamespace(
        is_terminal=True, rich=Console(file=StringIO(), force_terminal=True, width=100)
    )
    bar = _progress(console, enabled=True)
    update = bar.__enter__()
    try:
        update(FilesFound(to_index=2, unchanged=5, failed=0))
        task = bar.bar.tasks[0]
        assert (task.completed, task.total) == (0, 2)
        update(EpisodeParsed(1, 2, "show/ep-1.vtt"))
        assert (task.completed, task.description) == (1, "ep-1.vtt")
        source = "show/[bold]x.vtt"  # a file name is shown as it is, not as rich markup
        update(EpisodeFailed(2, 2, source, IngestFailure(source, "no cues")))
        assert (task.completed, task.description) == (2, "\\[bold]x.vtt")
    finally:
        bar.__exit__(None, None, None)


def test_no_bar_off_a_terminal() -> None:
    console = SimpleNamespace(is_terminal=False, rich=None)
    assert _progress(console, enabled=True).__enter__() is None
