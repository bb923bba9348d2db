"""Our segment writer stores exactly what Whoosh's own writer stores, term by term.

Segments written by ``PodcastCodec`` inline single postings and compress only large blocks;
everything a search reads back (term statistics, posting ids, weights, values) must equal
what ``W3Codec`` wrote for the same documents, including after the two kinds are merged.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import create_in
from whoosh.reading import TermNotFound

from searchpod.engine import codec as codec_module
from searchpod.engine.codec import INLINE_MAX, PodcastCodec
from searchpod.engine.fields import build_schema
from searchpod.text.analysis import stem

# A word in 150 documents (more than one 128-posting block), words said once (inlined),
# a word said hundreds of times in one document (a value too big to inline), an id field
# (postings without values), and a document whose body is empty.
COMMON = "lighthouse"


def documents() -> list[dict[str, Any]]:
    docs = []
    for n in range(150):
        words = [COMMON, f"rare{n}word", "keeper"] + ["foghorn"] * (n % 7)
        docs.append({"id": f"ep-{n}", "title": f"Episode {n}", "body": " ".join(words)})
    docs.append({"id": "long", "title": "Long one", "body": "tide " * 800 + "lantern"})
    docs.append({"id": "untitled", "title": "", "body": ""})
    return docs


def build(folder: Path, codec: Any, docs: list[dict[str, Any]], batches: int = 1) -> Any:
    folder.mkdir()
    ix = create_in(str(folder), build_schema())
    size = -(-len(docs) // batches)
    for start in range(0, len(docs), size):
        writer = ix.writer(codec=codec)
        for doc in docs[start : start + size]:
            writer.add_document(**doc)
        writer.commit()
    return ix


def everything(ix: Any) -> dict[tuple[str, bytes], Any]:
    """Each term's statistics and postings, as a search would read them."""
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for field, btext in reader.all_terms():
            info = reader.term_info(field, btext)
            stats = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
            )
            m = reader.postings(field, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            out[(field, btext)] = (stats, postings)
    return out


@pytest.mark.parametrize("deflate", ["isal", "zlib"])
def test_same_terms_statistics_and_postings_as_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deflate: str
) -> None:
    """Read back as Whoosh's own writer's, blocks deflated by ISA-L (where installed) or
    by zlib (where not)."""
    if deflate == "zlib":
        monkeypatch.setattr(codec_module, "_compress", zlib.compress)
    docs = documents()
    ours = everything(build(tmp_path / "ours", PodcastCodec(), docs))
    whoosh = everything(build(tmp_path / "whoosh", W3Codec(), docs))
    assert ours.keys() == whoosh.keys()
    for key, expected in whoosh.items():
        assert ours[key] == expected, key
    assert len(whoosh[("body", stem(COMMON).encode())][1]) == 150


def test_values_are_pickled_as_bytes_not_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Protocol-2 pickles (Whoosh's) store each value as text to re-encode: ~30 bytes more
    # per inlined posting, and a common word's blocks slow to read. Ours store bytes (stored
    # fields too).
    docs = documents()
    ours = build(tmp_path / "ours", PodcastCodec(), docs)
    monkeypatch.setattr(codec_module, "PICKLE_PROTOCOL", 2)
    old = build(tmp_path / "old", PodcastCodec(), docs)

    def stored(name: str) -> bytes:  # the segments' files (compound or not)
        return b"".join(f.read_bytes() for f in (tmp_path / name).iterdir() if f.is_file())

    assert b"_codecs" in stored("old")  # (inlined postings are never compressed)
    assert b"_codecs" not in stored("ours")
    assert len(stored("ours")) < len(stored("old"))
    assert everything(ours) == everything(old)
    assert list(ours.reader().all_stored_fields()) == list(old.reader().all_stored_fields())


def test_inlines_single_short_postings_only(tmp_path: Path) -> None:
    ix = build(tmp_path / "ours", PodcastCodec(), documents())
    with ix.searcher() as searcher:
        reader = searcher.reader()

        def inlined(field: str, text: str) -> bool:
            term = stem(text) if field == "body" else text
            return bool(reader.term_info(field, term.encode()).is_inlined())

        assert inlined("body", "rare7word")  # one document, one short value
        assert not inlined("body", COMMON)  # many documents
        assert not inlined("body", "tide")  # one document, a long value
        assert len(reader.postings("body", stem("tide").encode()).value()) > INLINE_MAX
        assert not inlined("id", "ep-7")  # no value to inline


def test_mixed_segments_merge_to_the_same_index(tmp_path: Path) -> None:
    docs = documents()
    whoosh = everything(build(tmp_path / "whoosh", W3Codec(), docs))
    # Whoosh's segments first, then ours, then all merged by our writer (and by Whoosh's).
    for codec in (PodcastCodec(), W3Codec()):
        folder = tmp_path / type(codec).__name__
        ix = build(folder, W3Codec(), docs[:60])
        writer = ix.writer(codec=PodcastCodec())
        for doc in docs[60:]:
            writer.add_document(**doc)
        writer.commit(merge=False)
        assert len(ix.reader().leaf_readers()) == 2
        assert everything(ix) == whoosh
        ix.writer(codec=codec).commit(optimize=True)
        assert len(ix.reader().leaf_readers()) == 1
        assert everything(ix) == whoosh


@pytest.mark.parametrize("query", ["rare42word", "lighthouse keeper", '"lighthouse rare3word"'])
def test_searches_over_inlined_postings_agree(tmp_path: Path, query: str) -> None:
    from whoosh.qparser import QueryParser

    docs = documents()
    results = []
    for name, codec in (("ours", PodcastCodec()), ("whoosh", W3Codec())):
        ix = build(tmp_path / name, codec, docs, batches=3)
        with ix.searcher() as searcher:
            hits = searcher.search(QueryParser("body", ix.schema).parse(query), limit=20)
            results.append([(hit["id"], round(hit.score, 6)) for hit in hits])
    assert results[0] == results[1]
    assert results[0]


def test_limited_and_not_search_keeps_the_best_hit(tmp_path: Path) -> None:
    # The excluded word is said once (an inlined posting). A finished inlined matcher must
    # not turn into a null one: under a NOT its zero quality made Whoosh skip the rest of
    # the segment, so limit=1 returned a weaker document than limit=None.
    from whoosh import query as wq

    bodies = (
        ["lighthouse secret", "lighthouse tide harbour gull rope wave coast", "lighthouse keeper"]
        + ["lighthouse tide harbour gull rope"] * 12
        + ["lighthouse lighthouse lighthouse"]
    )
    docs = [{"id": f"d{n}", "title": "", "body": body} for n, body in enumerate(bodies)]
    query = wq.And([wq.Term("body", stem("lighthouse")), wq.Not(wq.Term("body", "secret"))])
    ix = build(tmp_path / "ours", PodcastCodec(), docs)
    with ix.searcher() as searcher:
        best = [hit["id"] for hit in searcher.search(query, limit=None)][:2]
        assert best[0] == "d15"
        assert [hit["id"] for hit in searcher.search(query, limit=1)] == best[:1]
        assert [hit["id"] for hit in searcher.search_page(query, 1, pagelen=2)] == best


def test_remembered_term_records_answer_as_whoosh_reads_them(tmp_path: Path) -> None:
    from whoosh.codec.whoosh3 import W3TermsReader

    ix = build(tmp_path / "ours", PodcastCodec(), documents())
    ((segment, _),) = ix.reader().leaf_readers()
    terms = segment._terms
    assert type(terms).__name__ == "_TermsReader"
    plain = W3Codec().terms_reader(segment._storage, segment._segment)
    assert type(plain) is W3TermsReader
    asked = [("body", stem(COMMON).encode()), ("body", b"rare7word"), ("title", b"nowhere")]
    for _ in range(2):  # the second time from what was remembered
        for field, text in asked:
            assert ((field, text) in terms) == ((field, text) in plain)
            assert segment.doc_frequency(field, text) == (
                plain.doc_frequency(field, text) if (field, text) in plain else 0
            )
            assert segment.frequency(field, text) == (
                plain.frequency(field, text) if (field, text) in plain else 0
            )
    assert segment.doc_frequency("body", stem(COMMON).encode()) == 150
    with pytest.raises(TermNotFound):
        segment.term_info("title", b"nowhere")
    plain.close()
