"""Whoosh behind searchpod.engine: quiet, its on-disk format unchanged (imports: test_layers)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from searchpod import Index

PACKAGE = Path(__file__).resolve().parents[2] / "searchpod"
# Class paths pickled into every index: part of the on-disk format.
PICKLED = {
    "searchpod.analysis.PodcastAnalyzer": "searchpod.engine.analyzer",
    "searchpod.codec.PodcastCodec": "searchpod.engine.codec",
    "searchpod.schema.TranscriptCharacters": "searchpod.engine.fields",
    # Short text fields' positions (since stop words hold positions): pickled where it lives.
    "searchpod.engine.fields.WordPositions": "searchpod.engine.fields",
}


def test_pickled_class_paths_are_the_documented_ones(built_index: Index) -> None:
    toc = next(built_index.path.glob("g*/_MAIN_*.toc")).read_bytes()
    found = {f"{m.decode()}.{n.decode()}" for m, n in re.findall(rb"(searchpod[\w.]*)\n(\w+)", toc)}
    found |= {f"{m.decode()}.PodcastCodec" for m in re.findall(rb"(searchpod[\w.]*codec)", toc)}
    assert found == set(PICKLED)
    for path, home in PICKLED.items():
        module, name = path.rsplit(".", 1)
        assert getattr(importlib.import_module(module), name) is getattr(
            importlib.import_module(home), name
        )


def run_fresh(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with no bytecode cached for anything, so Whoosh's files are compiled again."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pyc")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)


def test_import_and_a_date_query_are_clean_under_warnings_as_errors(
    tmp_path: Path, built_index: Index
) -> None:
    code = (
        "from searchpod import Index; "
        f"r = Index({str(built_index.path)!r}).search('published:2023 OR keepers~'); "
        "print(r.total)"
    )
    result = run_fresh(tmp_path, "-W", "error", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert int(result.stdout) >= 2


def test_other_modules_warnings_still_show() -> None:
    code = "import searchpod, warnings; warnings.warn('mine', DeprecationWarning)"
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "mine" in result.stderr


def test_postings_encoded_ahead_are_not_encoded_again(
    tmp_path: Path, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchpod.engine.fields
    import searchpod.indexing.build

    calls: list[int] = []
    encode = searchpod.engine.fields.encode_postings

    def counting(text: str) -> list[tuple[str, int, float, bytes]]:
        calls.append(len(text))
        return encode(text)

    monkeypatch.setattr(searchpod.engine.fields, "encode_postings", counting)
    monkeypatch.setattr(searchpod.indexing.build, "encode_postings", counting)
    ix, report = Index.build(tmp_path / "ix", [episodes_dir])
    assert len(report.added) == 3
    assert len(calls) == 3  # once per body, by prepare(); the writer reuses them
    assert ix.search("keepers").total == 2
