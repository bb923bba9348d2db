"""`searchpod show --at` on a terminal and in a pipe, and how hits read at any width."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod import Index
from searchpod.frontends.cli import main
from searchpod.frontends.render import RichConsole, print_moments
from tests.serve_helpers import write_show

EPISODE = "show/ep-1.txt"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("show")
    write_show(root / "show", media_base="https://media.example/pod")
    Index.build(root / "index", [root / "show"])
    return str(root / "index")


def show(index: str, *args: str) -> object:
    return CliRunner().invoke(main, ["--index", index, "show", EPISODE, *args])


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        ("12:75", "seconds go up to 59"),
        ("9:99:99", "seconds go up to 59"),
        ("1:75:00", "minutes go up to 59"),
        ("soon", "not 'soon'"),
        ("1:2:3:4", "not '1:2:3:4'"),
        ("-5", "not '-5'"),
    ],
)
def test_a_malformed_time_is_one_line_and_exit_2(index, at, reason):
    out = show(index, "--at", at)
    assert out.exit_code == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and reason in out.stderr


def test_a_time_past_the_end_is_refused(index):
    out = show(index, "--at", "5:00:00")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr == (
        f"searchpod: --at 5:00:00 is past the end of episode '{EPISODE}' (0:04:05)\n"
    )
    assert show(index, "--at", "4:05").exit_code == 0  # the last second is still in


def test_in_a_pipe_the_transcript_starts_at_the_moment(index):
    out = show(index, "--at", "4:00")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "Eps 1: Lighthouse keepers of the north"
    assert lines[-1] == "[00:04:00] Mara Okafor: The last lighthouse keeper left in 1998."
    assert "fog horn" not in out.stdout


def test_context_prints_lines_either_side_of_the_moment(index):
    out = show(index, "--at", "0:12", "--context", "1")
    assert out.exit_code == 0
    transcript = out.stdout.split("\n\n", 1)[1].splitlines()
    assert transcript == [
        "[00:00:05] Mara Okafor: Today the lighthouse keepers of the north.",
        "[00:00:12] Ostin Brae: Then the fog horn sounded twice over the bay.",
        "[00:00:16] Mara Okafor: Nobody answered it.",
    ]
    assert show(index, "--context", "2").exit_code == 2  # a moment is needed


def _fake_pager(folder: Path, name: str) -> Path:
    """A pager that records its arguments and what it was given, as ``{name}.out``."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    record = folder / f"{name}.out"
    program.write_text(f'#!/bin/sh\necho "$@" > "{record}"\ncat >> "{record}"\n')
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return record


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """stdout counts as a terminal; fake pagers (`less`, `more`) first on the PATH."""
    monkeypatch.setattr(
        "searchpod.frontends.render.console_for",
        lambda stderr=False: RichConsole(file=io.StringIO(), width=80, force_terminal=True),
    )
    bin_dir = tmp_path / "bin"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("PAGER", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    return bin_dir


def test_on_a_terminal_less_opens_the_whole_transcript_at_the_moment(index, terminal):
    record = _fake_pager(terminal, "less")
    out = show(index, "--at", "0:12")
    assert out.exit_code == 0, out.output
    args, *shown = record.read_text().splitlines()
    assert args.startswith("-R +") and args.endswith("g")
    line = int(args.split("+")[1][:-1])
    plain = [_strip_ansi(s) for s in shown]
    assert plain[0] == "Eps 1: Lighthouse keepers of the north"  # the reader can scroll back
    assert plain[line - 1].startswith("[00:00:12] Ostin Brae: Then the fog horn")


def test_another_pager_is_given_the_transcript_from_the_moment(index, terminal, monkeypatch):
    record = _fake_pager(terminal, "more")
    monkeypatch.setenv("PAGER", "more")
    out = show(index, "--at", "4:00")
    assert out.exit_code == 0, out.output
    args, *shown = record.read_text().splitlines()
    assert args == ""
    assert _strip_ansi(shown[0]).startswith("[00:04:00] Mara Okafor: The last lighthouse")


def test_no_pager_prints_on_the_terminal(index, terminal):
    record = _fake_pager(terminal, "less")
    assert show(index, "--at", "0:12", "--no-pager").exit_code == 0
    assert not record.exists()


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("width", [40, 80, 123])
def test_wrapped_moment_lines_keep_their_indent_at_any_width(index, width):
    found = Index(index).moments("waves rocks", limit=1)
    buffer = io.StringIO()
    print_moments(RichConsole(file=buffer, width=width, no_color=True), found)
    lines = buffer.getvalue().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("    [00:00:20]"))
    said = lines[first:]
    said = said[: next(i for i, line in enumerate(said) if line.startswith("1–1 of"))]
    assert len(said) >= 2  # it did wrap
    assert all(line.startswith("    ") and line[4] != " " for line in said)
    assert all(len(line) <= width for line in lines)


def test_the_hit_line_shows_the_episode_number(index):
    plain = CliRunner().invoke(
        main, ["--index", index, "search", "fog horn", "--moments", "--format", "plain"]
    )
    assert plain.stdout.splitlines()[0] == (
        f"Eps 1: Lighthouse keepers of the north (episode 1 · {EPISODE})"
    )
    hits = CliRunner().invoke(main, ["--index", index, "search", "fog horn"])
    assert "Harbour Lights · episode 1 · Mara Okafor · 2021-03-14" in hits.stdout
