"""The postings pool: spilled to disk in chunks, read back in exactly Whoosh's order."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import create_in

from searchpod.engine import pool as pool_module
from searchpod.engine.codec import PodcastCodec
from searchpod.engine.fields import build_schema, encode_postings, use_precomputed
from searchpod.engine.pool import CHUNK, ChunkedPool, use_chunked_pool
from searchpod.engine.writing import _add_document
from tests.engine.test_codec import documents, everything


def postings(count: int, seed: int = 3) -> list[tuple[str, bytes, int, float, bytes | None]]:
    # Each (field, term, document) once, as in a segment; in no particular order.
    rng = random.Random(seed)
    fields = ["body", "title", "id", "said_ann"]
    documents = rng.sample(range(10 * count), count)
    return [
        (
            rng.choice(fields),
            rng.choice(["tide", "gull", "rope", "wave", "lantern"]).encode() * rng.randint(1, 3),
            documents[n],
            float(rng.randint(1, 9)),
            None if rng.random() < 0.1 else rng.randbytes(rng.randint(0, 90)),
        )
        for n in range(count)
    ]


def test_spilled_runs_come_back_sorted_and_are_removed(tmp_path: Path) -> None:
    items = postings(3 * CHUNK + 77)
    # ~1 KB per run: hundreds of runs, more than the 128 Whoosh merges at once, so runs are
    # also merged into runs first; each run holds several chunks only in the later ones.
    pool = ChunkedPool(FileStorage(str(tmp_path)), None, limitmb=0.001)
    spilled = []
    for item in items:
        pool.add(item)
        spilled.append(len(pool.runs))
    assert max(spilled) > 128
    assert list(pool.items()) == sorted(items)
    assert list(tmp_path.iterdir()) == []


def test_one_chunk_run_of_many_postings(tmp_path: Path) -> None:
    items = postings(CHUNK * 2 + 1, seed=5)
    pool = ChunkedPool(FileStorage(str(tmp_path)), None, limitmb=64)
    for item in items[:-1]:
        pool.add(item)
    pool.save()  # one run of two full chunks and one of one
    pool.add(items[-1])
    assert len(pool.runs) == 1
    assert list(pool.items()) == sorted(items)


def test_segment_written_through_spilled_runs_equals_whoosh_writer(tmp_path: Path) -> None:
    docs = documents()
    indexes = {}
    for name, codec in (("whoosh", W3Codec()), ("ours", PodcastCodec())):
        (tmp_path / name).mkdir()
        ix = indexes[name] = create_in(str(tmp_path / name), build_schema())
        writer = ix.writer(codec=codec)
        if name == "ours":
            use_chunked_pool(writer, limitmb=0.01)  # a run every ~50 postings
        for doc in docs:
            writer.add_document(**doc)
        if name == "ours":
            assert len(writer.pool.runs) > 10
        writer.commit()
    assert everything(indexes["ours"]) == everything(indexes["whoosh"])


def _always(answer: bool, n: int) -> bool:
    return answer


def fed_writer(folder: Path, ours: Callable[[int], bool]) -> tuple[Any, Any]:
    """A new index in ``folder`` and a writer with a small pool (a run every ~50 postings),
    given the test documents with their bodies encoded ahead of time: the n-th through our
    ``_add_document`` when ``ours(n)`` (columns), else Whoosh's ``add_document`` (tuples)."""
    folder.mkdir()
    ix = create_in(str(folder), build_schema())
    writer = ix.writer(codec=PodcastCodec())
    use_chunked_pool(writer, limitmb=0.01)
    for n, doc in enumerate(documents()):
        ready = use_precomputed(doc, {"body": encode_postings(doc["body"])})
        if ours(n):
            _add_document(writer, ready)
        else:
            writer.add_document(**ready)
    return ix, writer


@pytest.mark.parametrize(
    ("window", "window_bytes", "slices"),
    [
        (pool_module.WINDOW, pool_module.WINDOW_BYTES, pool_module._SLICES),
        (7, 10**9, 5),
        (10**9, 40, 3),
    ],
)
def test_encoded_postings_added_at_once_write_what_whoosh_add_document_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int, window_bytes: int, slices: int
) -> None:
    # The column runs merged in windows of 7 postings, or 40 bytes of values, too: most
    # windows then end inside a common term's postings, which are taken whole.
    monkeypatch.setattr(pool_module, "WINDOW", window)
    monkeypatch.setattr(pool_module, "WINDOW_BYTES", window_bytes)
    monkeypatch.setattr(pool_module, "_SLICES", slices)
    docs = documents()
    theirs_ix, writer = fed_writer(tmp_path / "whoosh", lambda n: False)
    assert len(writer.pool.runs) > 10
    writer.commit()
    ours_ix, writer = fed_writer(tmp_path / "at once", lambda n: True)
    assert len(writer.pool._columns["body"]._runs) > 5
    writer.commit()
    assert everything(ours_ix) == everything(theirs_ix)
    with ours_ix.reader() as ours, theirs_ix.reader() as theirs:
        assert [ours.doc_field_length(n, "body") for n in range(len(docs))] == [
            theirs.doc_field_length(n, "body") for n in range(len(docs))
        ]
        assert list(ours.all_stored_fields()) == list(theirs.all_stored_fields())
    # The runs' scratch files are gone with the commit.
    assert not list((tmp_path / "at once").glob("*.tmp/*"))


def test_a_field_pooled_both_ways_merges_by_term_and_document(tmp_path: Path) -> None:
    # A writer that merges segments adds their postings one by one, beside documents whose
    # postings were encoded ahead of time: the same field comes from both stores.
    theirs_ix, writer = fed_writer(tmp_path / "whoosh", lambda n: False)
    writer.commit()
    mixed_ix, writer = fed_writer(tmp_path / "mixed", lambda n: n % 3 != 0)
    # (Reading the pool's items would use them up.)
    assert writer.pool._columns["body"] and writer.pool.runs
    writer.commit()
    assert everything(mixed_ix) == everything(theirs_ix)


def test_pooled_terms_iterate_as_whooshs_items(tmp_path: Path) -> None:
    pools = {}
    for name, ours in (("whoosh", False), ("ours", True)):
        _, writer = fed_writer(tmp_path / name, functools.partial(_always, ours))
        pools[name] = list(writer.pool.iter_postings())
        writer.cancel()
    assert pools["ours"] == [item for item in pools["whoosh"] if item[2] != -1]
    assert not list((tmp_path / "ours").glob("*.tmp/*"))
