"""engine/collect.py: bulk scoring gives what Whoosh's collector gives, to the last bit.

Each query runs twice, through the bulk path and through Whoosh's own collector (forced by
the module's switch), and every page ``search._run`` produced must be equal: totals, the
ordered docnums, their scores (compared as floats, so bit for bit), the matched terms, the
matches kept for relaxing, the body spans read for snippets, and the hits shown.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from searchpod import Index
from searchpod.engine import collect
from searchpod.query import search
from tests.conftest import REPO, SHARED, need_shared

DATA = REPO / "data"

# Every kind of query the bundled episodes give a shape to.
DATA_QUERIES = [
    "keeper",  # one word
    "the keeper",  # a stop word and a word
    "light storm",  # two words: strict AND, proximity re-rank
    "keepers of the tower",
    "what is a fresnel lens",  # fillers: optional words beside Every()
    "lighthouse keeper bread octopus",  # strict finds nothing: relaxed to some of the words
    "bread OR octopus",
    "keep*",  # a prefix expanded by Whoosh as it matches
    "lighthous~",  # a fuzzy word
    "title:bread",
    "host:okafor keeper",
    "cheese^3 bread",  # a boost
    "speaker:felix cheese",
    "zzzunknownword",  # nothing matches: suggestions
]


def _pages(ix: Index, monkeypatch: pytest.MonkeyPatch, query: str, **options: Any) -> Any:
    """What ``search._run`` returned for each run of ``query`` (bulk, then Whoosh), the hits,
    and how many runs the bulk path answered."""
    pages: list[Any] = []
    run = search._run

    def recording(*args: Any, **kwargs: Any) -> Any:
        page = run(*args, **kwargs)
        pages.append(page)
        return page

    monkeypatch.setattr(search, "_run", recording)
    out = []
    for enabled in (True, False):
        monkeypatch.setattr(collect, "ENABLED", enabled)
        pages.clear()
        before = collect.answered
        results = ix.search(query, **options)
        seen = [(p.total, p.docs, p.matched, p.all_docs, p.chars) for p in pages]
        out.append((seen, [h.to_dict() for h in results.hits], collect.answered - before))
    monkeypatch.setattr(search, "_run", run)
    return out


def assert_same(ix: Index, monkeypatch: pytest.MonkeyPatch, query: str, **options: Any) -> int:
    """The bulk path and Whoosh's agree on ``query``; returns how many runs were bulk."""
    (fast, fast_hits, answered), (whoosh, whoosh_hits, none) = _pages(
        ix, monkeypatch, query, **options
    )
    assert none == 0
    assert len(fast) == len(whoosh), query
    for mine, theirs in zip(fast, whoosh, strict=True):
        total, docs, matched, all_docs, chars = mine
        assert total == theirs[0], query
        assert [d for d, _ in docs] == [d for d, _ in theirs[1]], query
        # Bit-identical scores: floats compared with ==, not approximately.
        assert [s for _, s in docs] == [s for _, s in theirs[1]], query
        assert matched == theirs[2], query
        assert all_docs == theirs[3], query
        assert chars == theirs[4], query
    assert fast_hits == whoosh_hits, query
    return answered


@pytest.fixture(scope="module")
def data_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    ix = Index.create(tmp_path_factory.mktemp("data") / "ix")
    assert ix.add_paths([DATA]).ok
    yield ix
    ix.close()


@pytest.mark.parametrize("query", DATA_QUERIES)
def test_bundled_data_same_as_whoosh(data_index: Index, monkeypatch, query: str) -> None:
    assert_same(data_index, monkeypatch, query)


@pytest.mark.parametrize(
    "query, options",
    [
        ("keeper", {"show": "harbour lights"}),
        ("light storm", {"since": "2021-01-01", "until": "2022-12-31"}),
        ("keeper", {"fuzzy": True}),
        ("light storm", {"mode": "any"}),
        ("light storm", {"mode": "all"}),
        ("keeper", {"limit": 2, "page": 2}),
        ("python", {"limit": 3}),
    ],
)
def test_bundled_data_with_options_same_as_whoosh(
    data_index: Index, monkeypatch, query: str, options: dict[str, Any]
) -> None:
    assert_same(data_index, monkeypatch, query, **options)


def test_common_words_take_the_bulk_path(data_index: Index, monkeypatch) -> None:
    # "the keeper" and two-word queries: every run of _run is answered in bulk.
    assert assert_same(data_index, monkeypatch, "light storm") >= 1
    (_, _, strict_and_relaxed), _ = _pages(data_index, monkeypatch, "lighthouse keeper bread")
    assert strict_and_relaxed == 2  # the strict query, then the relaxed one


def test_unsupported_shapes_fall_back_to_whoosh(data_index: Index, monkeypatch) -> None:
    # A phrase (span matchers) and a NOT (an inverse matcher) are Whoosh's to answer...
    assert assert_same(data_index, monkeypatch, '"assize of bread"') == 0
    assert assert_same(data_index, monkeypatch, "bread NOT wheat") == 0
    # ... and so is an intersection under a union: which terms Whoosh reports then depends
    # on where its matchers stopped.
    assert assert_same(data_index, monkeypatch, "(light storm) OR bread") == 0
    # Sorted results keep Whoosh's sorting collector for their order; only the page's
    # relevance scores are worked out in bulk (hit for hit the same, as checked above).
    assert assert_same(data_index, monkeypatch, "keeper", sort="newest") == 1


def assert_segments_with_deletions(index: Path) -> None:
    from whoosh.index import open_dir

    from searchpod.indexing.store import IndexDir

    with open_dir(str(IndexDir(index).current())).reader() as reader:
        assert len(reader.leaf_readers()) >= 2
        assert reader.doc_count_all() > reader.doc_count()


def test_several_segments_with_deletions(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    ix = Index.create(tmp_path / "ix")
    assert ix.add_paths([folder]).ok
    # Changing episodes replaces them: a new segment, and deleted documents in the first.
    for name in ("eps-1.txt", "eps-12.txt"):
        page = folder / name
        page.write_text(
            page.read_text(encoding="utf-8") + "\nThe keeper saw a storm light.\n",
            encoding="utf-8",
        )
    assert ix.add_paths([folder]).ok
    assert_segments_with_deletions(tmp_path / "ix")
    for query in ["keeper", "light storm", "the keeper storm", "keep*", "what is a storm"]:
        assert assert_same(ix, monkeypatch, query) >= 1, query
    ix.close()


# -- real episodes -------------------------------------------------------------------------

REAL_QUERIES = [
    "really good",
    "pretty much",
    "little bit",
    "make sure",
    "long time",
    "python",
    "pytest fixtures",
    "what is a good python web framework",
    "dan harmon",
    "speaker:michael really good",
    "packag~ install",
    "async*",
]


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    corpus = need_shared(SHARED / "corpus")
    numbered = [f for f in (corpus / "harmontown").glob("*.tsv") if f.stem.isdigit()]
    harmontown = sorted(numbered, key=lambda f: int(f.stem))[:30]
    pythonbytes = sorted((corpus / "pythonbytes" / "transcripts").glob("*.vtt"))[:30]
    folder = tmp_path_factory.mktemp("real") / "episodes"
    folder.mkdir()
    for source in harmontown + pythonbytes:
        shutil.copyfile(source, folder / source.name)
    ix = Index.create(folder.parent / "ix")
    assert ix.add_paths([folder]).ok
    # A second segment and deleted documents: four episodes replaced by a later run.
    for source in pythonbytes[:2] + harmontown[:2]:
        target = folder / source.name
        target.write_bytes(target.read_bytes() + b"\n")
    removed = folder / pythonbytes[5].name
    removed.unlink()
    assert ix.add_paths([folder], prune=True).ok
    assert_segments_with_deletions(folder.parent / "ix")
    yield ix
    ix.close()


@pytest.mark.parametrize("query", REAL_QUERIES)
def test_real_episodes_same_as_whoosh(real_index: Index, monkeypatch, query: str) -> None:
    assert assert_same(real_index, monkeypatch, query) >= 1


def test_real_episodes_filtered_same_as_whoosh(real_index: Index, monkeypatch) -> None:
    assert assert_same(real_index, monkeypatch, "really good", since="2015-01-01") >= 1
    assert assert_same(real_index, monkeypatch, "little bit", limit=20, page=3) >= 1


def test_blocks_unpickle_as_pickle_does(real_index: Index) -> None:
    # Every posting block of the words said in several episodes: the quicker reading of a
    # block's pickle gives exactly what pickle.loads gives.
    import pickle
    import zlib

    from whoosh.codec.whoosh3 import W3LeafMatcher

    blocks = 0
    with real_index._pool_for(None).searcher() as searcher:
        for reader, _ in searcher._searcher.reader().leaf_readers():
            for btext in list(reader.lexicon("body"))[::7]:
                if reader.doc_frequency("body", btext) < 2:
                    continue
                m = reader.postings("body", btext)
                m = getattr(m, "child", m)  # past the filter of deleted documents
                if type(m) is not W3LeafMatcher:
                    continue
                while True:
                    data = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                    if m._compression:
                        data = zlib.decompress(data)
                    assert collect._unpickle(data) == pickle.loads(data)
                    blocks += 1
                    if m._lastblock:
                        break
                    m._goto(m._nextoffset)
    assert blocks > 100


@pytest.mark.parametrize("query", ["really good", "little bit", "make sure", "long time"])
def test_rerank_stops_early_without_changing_the_page(
    real_index: Index, monkeypatch, query: str
) -> None:
    # A page works out only as much of the proximity re-rank as can reach it; re-ranking
    # the whole head must give the same episodes in the same order, with the same spans.
    rerank = search._rerank_by_proximity
    stopped_early = []

    def checked(searcher, ranked, shape, first=frozenset(), known=None, needed=100):
        page, chars = rerank(searcher, ranked, shape, first, known, needed)
        whole, all_chars = rerank(searcher, ranked, shape, first, known, max(1, len(ranked)))
        assert page[:needed] == whole[:needed]
        # The same spans (snippets order them by position; which term's come first in a
        # list follows the iteration of a set of terms, which varies with the hash seed).
        assert {d: sorted(chars[d]) for d, _, _ in page[:needed]} == {
            d: sorted(all_chars[d]) for d, _, _ in whole[:needed]
        }
        stopped_early.append(len(chars) < len(all_chars))
        return page, chars

    monkeypatch.setattr(search, "_rerank_by_proximity", checked)
    for page in (1, 2):
        assert real_index.search(query, page=page).hits
    assert any(stopped_early)


@pytest.mark.parametrize("query", ["light storm", "keeper OR bread", "lighthouse keeper bread"])
def test_postings_read_by_the_search_are_the_terms_own(data_index: Index, query: str) -> None:
    # Moments take each word's occurrences from what the search read (Ranked.postings);
    # they must be what reading the term's postings again gives.
    from searchpod.options import Sort

    def check(reader: Any) -> int:
        found = reader.ranked(reader.parse(query), None, sort=Sort.RELEVANCE, depth=1000)
        assert found.postings is not None
        compared = 0
        for docnum, _, terms in found.ranked:
            for term in terms:
                if term[0] != "body":
                    continue
                spans = reader.spans(term, [docnum])[docnum]
                for postings in (found.postings(term), reader.postings(term, [docnum])):
                    assert postings is not None and docnum in postings
                    assert postings.spans(docnum) == spans
                    assert postings.starts(docnum) == [s for _, s, _ in spans]
                    assert postings.counts()[docnum] == len(spans)
                    compared += 1
        return compared

    assert data_index._read(check, query) > 2


@pytest.mark.parametrize("query", DATA_QUERIES)
def test_every_match_unscored_is_every_match_scored(data_index: Index, query: str) -> None:
    # Moments ask for every match without scores (they score passages): the same episodes,
    # with the same matched terms and postings, as when each is scored.
    from searchpod.engine.reader import term_text
    from searchpod.options import Sort

    def both(reader: Any) -> tuple[Any, Any]:
        q = reader.parse(query)
        every = reader.doc_count_all()
        out = []
        for scored in (True, False):
            found = reader.ranked(q, None, sort=Sort.RELEVANCE, depth=every, scored=scored)
            terms = {d: frozenset(t) for d, _, t in found.ranked}
            spans = {
                (d, term_text(t[1])): found.postings(t).spans(d)
                for d, ts in terms.items()
                for t in ts
                if found.postings is not None and found.postings(t) is not None
            }
            out.append((found.total, terms, found.all_docs, spans))
        return out[0], out[1]

    scored, unscored = data_index._read(both, query)
    assert scored == unscored
