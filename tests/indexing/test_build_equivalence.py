"""An index written the lean way answers exactly as one written the old way.

The old way: Whoosh's own postings pool (a pickle per posting) and Whoosh's pickled value
for a word said fewer than 8 times in a document. Same hits, scores, totals and snippets, on the project's data/ and on
real transcripts from ../shared.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from whoosh.formats import Characters

import searchpod.engine.fields
import searchpod.engine.writing
from searchpod import Index
from searchpod.engine.fields import TranscriptCharacters
from searchpod.text.analysis import is_stop_term, term_postings
from tests.conftest import REPO, SHARED, need_shared

WORD = re.compile(r"[A-Za-z]{4,}")


def reference_postings(text: str) -> list[tuple[str, int, float, bytes]]:
    """A body's postings the slow way: the analyser one token at a time, each term's
    occurrences encoded by ``TranscriptCharacters`` (whatever ``encode`` is at the time)."""
    fmt = TranscriptCharacters()
    return [
        (term, 0, float(len(occ)), fmt.encode_positions(occ))
        if is_stop_term(term)
        else (term, len(occ), float(len(occ)), fmt.encode(occ))
        for term, occ in term_postings(text).items()
    ]


def old_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Write indexes as before: Whoosh's pool, Whoosh's pickle for a few occurrences, and
    postings analysed one token at a time."""
    lean = TranscriptCharacters.encode

    def encode(self: Any, poslist: Any) -> bytes:
        return Characters.encode(self, poslist) if len(poslist) < 8 else lean(self, poslist)

    monkeypatch.setattr(TranscriptCharacters, "encode", encode)
    monkeypatch.setattr(searchpod.engine.fields, "encode_postings", reference_postings)
    monkeypatch.setattr(searchpod.engine.writing, "use_chunked_pool", lambda writer, mb: None)


def build(path: Path, sources: list[Path]) -> Index:
    ix = Index.create(path)
    report = ix.add_paths(sources)
    assert report.added
    return ix


def queries(texts: list[str]) -> list[str]:
    """Words said once in all the texts (single-occurrence values), common words, pairs
    and phrases, from the texts themselves."""
    words = [w.lower() for text in texts for w in WORD.findall(text)]
    counts = Counter(words)
    once = sorted(w for w, n in counts.items() if n == 1)[::37][:12]
    common = [w for w, _ in counts.most_common(60)][20:32:2]
    pairs = [f"{a} {b}" for a, b in zip(once[:6], common, strict=False)]
    phrases = [f'"{words[i]} {words[i + 1]}"' for i in range(100, len(words) - 1, len(words) // 8)]
    return once + common + pairs + phrases + ["really good", "python~", "lighth*"]


def answers(ix: Index, qs: list[str]) -> list[Any]:
    out = []
    for q in qs:
        results = ix.search(q, limit=10)
        out.append((q, results.total, [hit.to_dict() for hit in results.hits]))
    return out


def assert_same_answers(
    tmp_path: Path, sources: list[Path], texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", "0")  # in this process, where the patches apply
    lean = build(tmp_path / "lean", sources)
    with monkeypatch.context() as patch:
        old_way(patch)
        old = build(tmp_path / "old", sources)
    qs = queries(texts)
    expected = answers(old, qs)
    assert sum(1 for _, total, _ in expected if total) > len(qs) // 2  # real hits compared
    assert answers(lean, qs) == expected
    lean.close()
    old.close()


def test_same_answers_on_the_project_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = REPO / "data"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(data.iterdir())]
    assert_same_answers(tmp_path, [data], texts, monkeypatch)


def test_same_answers_on_real_transcripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = need_shared(SHARED / "corpus")
    tsv = sorted((corpus / "harmontown").glob("*.tsv"))[:20]
    vtt = sorted((corpus / "pythonbytes" / "transcripts").glob("*.vtt"))[:20]
    if len(tsv) + len(vtt) < 40:
        pytest.skip(f"fewer than 40 transcripts under {corpus}")
    sources = tsv + vtt
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sources]
    assert_same_answers(tmp_path, sources, texts, monkeypatch)


def test_an_old_index_updated_the_lean_way_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Segments of both kinds in one index: written before, then added to by this version.
    monkeypatch.setenv("SEARCHPOD_WORKERS", "0")
    data = sorted((REPO / "data").iterdir())
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    for n, path in enumerate(p for p in data if p.is_file()):
        (first if n % 2 else later).joinpath(path.name).write_bytes(path.read_bytes())
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in data if p.is_file()]
    indexes = []
    for name in ("mixed", "lean"):
        with monkeypatch.context() as patch:
            if name == "mixed":
                old_way(patch)
            ix = build(tmp_path / name, [first])
        ix.close()
        ix = Index(tmp_path / name)
        assert ix.add_paths([first, later]).added
        indexes.append(ix)
    qs = queries(texts)
    expected = answers(indexes[1], qs)
    assert sum(1 for _, total, _ in expected if total) > len(qs) // 2
    assert answers(indexes[0], qs) == expected
    for ix in indexes:
        ix.close()


def test_indexing_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    # A build collects cycles rarely (cycles.fewer_collections); the host program's
    # own setting is back once it returns.
    monkeypatch.setenv("SEARCHPOD_WORKERS", "0")
    before = gc.get_threshold()
    build(tmp_path / "ix", [REPO / "data"]).close()
    assert gc.get_threshold() == before


def test_overlapping_runs_in_threads_restore_the_collector_once_both_end() -> None:
    import gc
    import threading

    from searchpod.cycles import fewer_collections

    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with fewer_collections():  # begins after the first run, ends after it
        second_in.set()
        first_out.wait(5)
        assert gc.get_threshold()[0] >= 50_000  # still indexing here: still rare
    thread.join(5)
    assert gc.get_threshold() == before
