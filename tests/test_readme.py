"""The README's promises: its library example runs, and CI runs its test command."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    section = README[README.index("## Using it as a library") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "no python example in the README's library section"
    shutil.copytree(REPO / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(code.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Lighthouse keepers" in out
    assert "unclosed '('" in out


def test_ci_runs_the_readme_test_command() -> None:
    quick = README[README.index("## Quick start") : README.index("## Using it from the terminal")]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2, "the quick start is two commands"
    install_and_search, install_and_test = commands
    assert install_and_search.startswith("pip install . && searchpod search")
    assert install_and_test in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_embedding_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    section = README[README.index("### Embedding it in your program") :]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 2, "the embedding section shows progress/cancel and asyncio"
    shutil.copytree(REPO / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "episodes to index, 0 unchanged" in out
    assert re.search(r"^1/\d+ data/", out, re.M)
    assert "cancelled" not in out
    namespace: dict[str, object] = {}
    exec(compile(blocks[1], "README.md", "exec"), namespace)
    from searchpod import Index

    index_in_background = namespace["index_in_background"]
    report = asyncio.run(index_in_background(Index("my-index"), ["data/"]))  # type: ignore[operator]
    assert report.unchanged and not report.added
