"""benchmarks/scale.py: the scaled corpus it builds, and a tiny `run.py --scale` end to end."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED, need_shared

BENCH = REPO / "benchmarks"


@pytest.fixture(scope="module")
def scale():
    sys.path.insert(0, str(BENCH))  # scale.py imports run.py as its neighbour
    spec = importlib.util.spec_from_file_location("scale", BENCH / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path.remove(str(BENCH))


def fake_shared(root: Path) -> Path:
    """Two harmontown-like TSV and one pythonbytes-like VTT (with a timed-text twin)."""
    show = root / "harmontown"
    show.mkdir(parents=True)
    (show / "10.tsv").write_text("start\tend\ttext\n0\t900\tten o'clock\n900\t1500\tbye\n")
    (show / "2.tsv").write_text("start\tend\ttext\n0\t900\tsecond show\n")
    (show / "episode_list.tsv").write_text("number\ttitle\n2\tTwo\n")
    talk = root / "pythonbytes" / "transcripts"
    talk.mkdir(parents=True)
    vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\n<v Brian>Hello pip\n\n"
    (talk / "001-intro.vtt").write_text(vtt + "00:00:02.000 --> 00:00:03.000\nthanks\n")
    (talk / "001-intro.txt").write_text("00:00 Hello pip\n")
    return root


def test_corpus_takes_real_episodes_in_order_then_copies_them_under_new_ids(scale, tmp_path):
    shared = fake_shared(tmp_path / "shared")
    files = scale.build_corpus(7, tmp_path / "corpus", shared)

    assert [f.name for f in files] == [
        "2.tsv", "10.tsv", "001-intro.vtt",
        "r1-2.tsv", "r1-10.tsv", "r1-001-intro.vtt",
        "r2-2.tsv",
    ]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == sorted(f.name for f in files)
    assert (tmp_path / "corpus" / "r1-10.tsv").read_bytes() == (
        shared / "harmontown" / "10.tsv"
    ).read_bytes()


def test_baselines_index_the_said_text_of_tsv_and_vtt(scale, tmp_path):
    shared = fake_shared(tmp_path / "shared")
    show, talk = shared / "harmontown", shared / "pythonbytes" / "transcripts"

    assert scale.transcript_lines(show / "10.tsv") == ["ten o'clock", "bye"]
    assert scale.transcript_lines(talk / "001-intro.vtt") == ["Hello pip", "thanks"]


def test_corpus_of_the_real_transcripts_starts_with_harmontown(scale, tmp_path):
    need_shared(SHARED / "corpus" / "pythonbytes")
    real = scale.real_episodes()

    assert real[0].name == "1.tsv" and real[179].name == "180.tsv"
    assert {f.suffix for f in real[180:]} == {".vtt"}
    files = scale.build_corpus(len(real) + 1, tmp_path / "corpus")
    assert files[-1].name == "r1-1.tsv"


def test_a_tiny_scale_run_reports_every_row_for_each_engine(scale, tmp_path, capsys):
    need_shared(SHARED / "corpus" / "pythonbytes")
    out = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--scale", "3", "--quick", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    r = json.loads(out.stdout)

    engines = r["engines"]
    assert engines[:2] == ["searchpod", "fts5"]
    assert r["episodes"] == 3
    assert r["hits_without_snippets"] == dict.fromkeys(engines, 0)
    rows = {label: cells for label, cells, _ in scale.table_rows(r)}
    for label in (
        "build CPU per MB of text (s)",
        "build peak RSS, process tree (MB)",
        "index size (MB)",
        "rare word top-10+snippets p50 (ms)",
        "two-word AND top-10+snippets p95 (ms)",
        "common words top-10+snippets p50 (ms)",
        "add one episode, warm (s)",
        "add one episode, fresh process (s)",
        "rare-word search, fresh process (s)",
    ):
        assert set(rows[label]) == set(engines), label
    assert set(rows["no-change reindex (s)"]) == {"searchpod"}
    for engine in engines:
        build = r["build"][engine]
        assert build["cpu_s_per_mb"]["median"] > 0 and build["peak_rss_mb"]["median"] > 1
    scale.print_table(r)
    table = capsys.readouterr().out
    assert "sp/FTS5" in table and "no-change reindex (s)" in table
