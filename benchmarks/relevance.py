"""Ranking quality and query latency for what people type, searchpod vs SQLite FTS5 in one run.

    python benchmarks/relevance.py                       # Cranfield + 180 Harmontown episodes
    python benchmarks/relevance.py --quick               # fewer queries and repeats
    python benchmarks/relevance.py --work /tmp/rel       # keep (and reuse) the built indexes

- **Cranfield** (../shared/corpus/cranfield): the 225 queries as typed (query-syntax characters
  blanked), MAP, nDCG@10 and P@10 over the top 100; searchpod by default (every word, then
  relaxed) and with ``any=True``; FTS5 (``porter unicode61``, ``bm25()``) with the words OR'd.
- **Known items** (../shared/corpus/harmontown): the 4 rarest words of random transcript
  lines, as benchmarks/run.py draws them: success@1 and first snippet within 60 s.
- **Latency**, warm, top 10 with snippets, per query class: single rare word, two-word AND,
  quoted phrase, a question in natural language, a rare word with a typo (two letters
  swapped or one dropped), and a two-word query with one typo. Each query's median over
  ``--repeats``; p50/p95 across queries, the slowest query, and FTS5 on the same queries
  (words AND'ed; OR'd for questions; a typo is searched as typed, as FTS5 has no fuzzy match).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from run import (  # noqa: E402 - benchmarks/ is not a package
    STOP,
    build_fts,
    corpus_stats,
    fts_query,
    fts_search,
    pct,
    plain_words,
    query_set,
    read_tsv,
    sp_query,
    timed,
    tokens,
)

from tests.cranfield import as_typed, evaluate, read_collection, write_pages  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
QUESTION = ["what did they say about {} and {}", "how does {} relate to {}", "{} {} episode"]


def cranfield(folder: Path, work: Path) -> None:
    from searchpod import Index

    collection = read_collection(folder)
    ix_path = work / "cranfield-ix"
    if not ix_path.exists():
        write_pages(collection, work / "cranfield-pages")
        Index.build(ix_path, [work / "cranfield-pages"])
    ix = Index(ix_path)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE d USING fts5(body, tokenize='porter unicode61')")
    for n, (title, abstract) in collection.docs.items():
        con.execute("INSERT INTO d(rowid, body) VALUES (?, ?)", (n, f"{title}\n{abstract}"))
    runs: dict[str, dict[int, list[int]]] = {"searchpod": {}, "searchpod any=": {}, "fts5": {}}
    for k, query in enumerate(collection.queries, 1):
        typed = as_typed(query)
        for label, options in (("searchpod", {}), ("searchpod any=", {"any": True})):
            hits = ix.search(typed, limit=100, **options).hits
            runs[label][k] = [int(Path(h.id).stem) for h in hits]
        match = " OR ".join(f'"{w}"' for w in typed.split())
        rows = con.execute(
            "SELECT rowid FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 100", (match,)
        ).fetchall()
        runs["fts5"][k] = [r[0] for r in rows]
    print(f"\nCranfield, {len(collection.grades)} queries as typed, top 100")
    print(f"{'':18}{'MAP':>8}{'nDCG@10':>9}{'P@10':>8}")
    for label, run in runs.items():
        s = evaluate(collection, run)
        print(f"{label:18}{s.map:>8.4f}{s.ndcg10:>9.4f}{s.p10:>8.4f}")
    ix.close()


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    return word[:i] + word[i + 1 :]  # drop one


def harmontown(folder: Path, work: Path, repeats: int, n: int, known: int, seed: int) -> None:
    from searchpod import Index

    files = sorted(f for f in folder.glob("*.tsv") if f.stem.isdigit())
    corpus = work / "harmontown"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        for f in files:
            shutil.copy(f, corpus / f.name)
    files = sorted(corpus.glob("*.tsv"))
    if not (work / "harmontown-ix").exists():
        Index.build(work / "harmontown-ix", [corpus])
    ix = Index(work / "harmontown-ix")
    con = build_fts(files, work / "fts.db")
    docs = {f.stem: read_tsv(f) for f in files}
    df = corpus_stats(docs)
    rng = random.Random(seed)

    # Known items, drawn as benchmarks/run.py draws them.
    lines = [(n, s, t) for n, rows in docs.items() for s, t in rows if len(tokens(t)) >= 8]
    ok = near = asked = 0
    for name, start_s, text in rng.sample(lines, min(known, len(lines))):
        words = sorted({w for w in plain_words(text) if len(w) >= 4} - STOP,
                       key=lambda w: (df[w], w))[:4]  # fmt: skip
        if len(words) < 4:
            continue
        asked += 1
        res = ix.search(" ".join(words))
        if res.hits and Path(res.hits[0].id).stem == name:
            ok += 1
            first = res.hits[0].snippets[0] if res.hits[0].snippets else None
            near += bool(first and first.start is not None and abs(first.start - start_s) <= 60)
    print(f"\nKnown items on {len(files)} Harmontown episodes ({asked} queries)")
    print(f"success@1 {ok / asked:.3f}   first snippet within 60 s {near / max(1, ok):.3f}")

    # Latency per query class.
    classes: dict[str, list[tuple[str, str]]] = {}
    for kind, words, phrase in query_set(docs, df, rng, n):
        classes.setdefault(kind, []).append((sp_query(words, phrase), fts_query(words, phrase)))
    for kind, words, _ in query_set(docs, df, rng, n):
        if kind == "and":
            template = rng.choice(QUESTION)
            question = template.format(*words)
            classes.setdefault("question", []).append(
                (question, " OR ".join(f'"{w}"' for w in question.split()))
            )
            typo = [words[0], _typo(words[1], rng) if len(words[1]) >= 5 else words[1]]
            classes.setdefault("and, one typo", []).append((" ".join(typo), fts_query(typo, False)))
        elif kind == "single" and len(words[0]) >= 5:
            typo = _typo(words[0], rng)
            classes.setdefault("rare word typo", []).append((typo, fts_query([typo], False)))
    print(f"\nWarm queries, top 10 with snippets, median of {repeats} per query (ms)")
    print(f"{'':16}{'n':>4}{'sp p50':>9}{'sp p95':>9}{'sp max':>9}{'fts p50':>9}{'fts p95':>9}"
          f"{'p95 ratio':>10}{'sp found':>9}")  # fmt: skip
    for kind, pairs in classes.items():
        for spq, ftq in pairs:  # warm both
            ix.search(spq)
            fts_search(con, ftq)
        sp = [statistics.median(timed(lambda q=spq: ix.search(q), repeats)) for spq, _ in pairs]
        ft = [
            statistics.median(timed(lambda q=ftq: fts_search(con, q), repeats)) for _, ftq in pairs
        ]
        print(
            f"{kind:16}{len(pairs):>4}{1000 * statistics.median(sp):>9.1f}{1000 * pct(sp, 0.95):>9.1f}"
            f"{1000 * max(sp):>9.1f}{1000 * statistics.median(ft):>9.1f}{1000 * pct(ft, 0.95):>9.1f}"
            f"{pct(sp, 0.95) / pct(ft, 0.95):>10.2f}"
            f"{sum(bool(ix.search(q).hits) for q, _ in pairs) / len(pairs):>9.2f}"
        )
    ix.close()
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cranfield", type=Path, default=SHARED / "cranfield")
    ap.add_argument("--corpus", type=Path, default=SHARED / "harmontown")
    ap.add_argument("--work", type=Path, default=None, help="keep built indexes here, reuse them")
    ap.add_argument("--quick", action="store_true", help="fewer queries and repeats")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--known-items", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="searchpod-relevance-"))
    work.mkdir(parents=True, exist_ok=True)
    n = 8 if args.quick else 20
    repeats = 3 if args.quick else args.repeats
    started = time.perf_counter()
    if args.cranfield.is_dir():
        cranfield(args.cranfield, work)
    else:
        print(f"no Cranfield collection at {args.cranfield}: relevance skipped")
    if args.corpus.is_dir():
        known = 60 if args.quick else args.known_items
        harmontown(args.corpus, work, repeats, n, known, args.seed)
    else:
        print(f"no transcripts at {args.corpus}: known items and latency skipped")
    print(f"\n({time.perf_counter() - started:.0f} s; work folder {work})")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
