"""The README's promises: its library example runs, and CI runs its test command."""

from __future__ import annotations

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
