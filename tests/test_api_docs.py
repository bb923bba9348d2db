"""The API reference builds without a warning, and every public name has a working example.

The examples in the docstrings are run here (each in a fresh folder holding ``episodes/``,
three small episode pages), so they cannot drift from what the library does.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
from pathlib import Path

import pytest

import searchpod
from tests.conftest import REPO, write_episodes

PUBLIC = [name for name in searchpod.__all__ if name != "__version__"]


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    missing = [n for n in PUBLIC if ">>>" not in (getattr(searchpod, n).__doc__ or "")]
    assert missing == []


@pytest.mark.parametrize("name", PUBLIC)
def test_the_example_works(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_episodes(tmp_path / "episodes")
    finder = doctest.DocTestFinder(recurse=name == "Index")  # and its methods
    tests = finder.find(getattr(searchpod, name), name, globs={})
    assert tests and any(t.examples for t in tests)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_the_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    spec = importlib.util.spec_from_file_location("api_docs", REPO / "docs" / "api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # pytest turns any warning into an error (filterwarnings = error): pdoc warns on a
    # docstring it cannot render or a name in __all__ it cannot find.
    page = module.build(tmp_path)
    html = page.read_text(encoding="utf-8")
    for name in PUBLIC:
        assert f'id="{name}"' in html, name
    assert os.path.getsize(page) > 0
