"""Typed questions on two judged collections: searchpod beside bm25s and SQLite FTS5, one run.

    pip install -e '.[bench]'                  # bm25s + PyStemmer (benchmark-only extras)
    python benchmarks/questions.py             # Cranfield and CISI from ../shared/corpus
    python benchmarks/questions.py --only cisi --work /tmp/q   # keep (and reuse) the indexes

For each collection (Cranfield: 225 queries, graded; CISI: 76 judged long questions), every
query as a person would type it (query-syntax characters blanked), top 100:

- **quality**: MAP, nDCG@10 and P@10 for searchpod (default options), bm25s (Lucene-style
  BM25, its English stop list, Snowball stems from PyStemmer, title and abstract as one text)
  and FTS5 (``porter unicode61``, ``bm25()``, the words OR'd);
- **latency**, warm, median of ``--repeats`` per query, p50/p95 across queries: the typed
  question (top 10 with snippets), the same words OR'd by searchpod, and FTS5 with the words
  OR'd and ``snippet()``.

Each system's per-query differences from bm25s (AP and nDCG@10) follow the table: the mean
difference, how many queries it wins and loses, a two-sided paired t-test and an exact sign
test (ties left out), so a lead of a few thousandths reads as what it is.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.cranfield import (  # noqa: E402
    Collection,
    as_typed,
    average_precision,
    evaluate,
    ndcg,
    read_cisi,
    read_collection,
    write_pages,
)

SHARED = REPO.parent / "shared" / "corpus"


def pct(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))]


def _betai(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (Numerical Recipes' continued
    fraction): the t distribution's tail without scipy."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betai(b, a, 1.0 - x)
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    )
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-12:
            break
    return front * h / a


def paired(ours: list[float], theirs: list[float]) -> str:
    """Mean difference, wins/losses, paired t-test and exact sign test p (two-sided)."""
    diffs = [x - y for x, y in zip(ours, theirs, strict=True)]
    n = len(diffs)
    mean = statistics.fmean(diffs)
    sd = statistics.stdev(diffs) if n > 1 else 0.0
    t = mean / (sd / math.sqrt(n)) if sd else 0.0
    p_t = _betai((n - 1) / 2, 0.5, (n - 1) / (n - 1 + t * t)) if sd else 1.0
    wins = sum(d > 1e-12 for d in diffs)
    losses = sum(d < -1e-12 for d in diffs)
    k, m = min(wins, losses), wins + losses
    p_sign = min(1.0, 2 * sum(math.comb(m, i) for i in range(k + 1)) / 2**m) if m else 1.0
    return f"{mean:+.4f} ({wins}/{losses}, t {t:+.2f} p {p_t:.3f}, sign p {p_sign:.3f})"


def run(name: str, coll: Collection, work: Path, repeats: int) -> None:
    from searchpod import Index
    from searchpod.errors import SearchpodError

    ix_path = work / f"{name}-ix"
    if not (ix_path / "CURRENT").is_file():  # none yet, or a run was stopped mid-build
        write_pages(coll, work / f"{name}-pages")
        Index.build(ix_path, [work / f"{name}-pages"])
    ix = Index(ix_path)
    # FTS5
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE d USING fts5(body, tokenize='porter unicode61')")
    for n, (title, abstract) in coll.docs.items():
        con.execute("INSERT INTO d(rowid, body) VALUES (?, ?)", (n, f"{title}\n{abstract}"))
    # bm25s
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids = list(coll.docs)
    corpus = [f"{t}\n{a}" for t, a in coll.docs.values()]
    retr = bm25s.BM25(method="lucene")
    retr.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    runs = {"searchpod": {}, "bm25s": {}, "fts5": {}}
    refused = 0
    judged = sorted(coll.grades)
    typed = {k: as_typed(coll.queries[k - 1]) for k in judged}
    for k in judged:
        q = typed[k]
        try:
            hits = ix.search(q, limit=100).hits
        except SearchpodError:
            refused += 1
            hits = ()
        runs["searchpod"][k] = [int(Path(h.id).stem) for h in hits]
        match = " OR ".join(f'"{w}"' for w in q.split())
        runs["fts5"][k] = [
            r[0]
            for r in con.execute(
                "SELECT rowid FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 100", (match,)
            )
        ]
        toks = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        res, _ = retr.retrieve(toks, k=100, show_progress=False)
        runs["bm25s"][k] = [ids[i] for i in res[0]]
    print(f"\n{name}: {len(judged)} judged queries as typed, top 100 (searchpod refused {refused})")
    print(f"{'':12}{'MAP':>8}{'nDCG@10':>9}{'P@10':>8}")
    for label, r in runs.items():
        s = evaluate(coll, r)
        print(f"{label:12}{s.map:>8.4f}{s.ndcg10:>9.4f}{s.p10:>8.4f}")
    print("per query vs bm25s: mean difference (queries won/lost, paired t-test, sign test)")
    for label in ("searchpod", "fts5"):
        ap = [average_precision(runs[label][k], set(coll.grades[k])) for k in judged]
        ap_b = [average_precision(runs["bm25s"][k], set(coll.grades[k])) for k in judged]
        nd = [ndcg(runs[label][k], coll.grades[k]) for k in judged]
        nd_b = [ndcg(runs["bm25s"][k], coll.grades[k]) for k in judged]
        print(f"{label:12}AP {paired(ap, ap_b)}  nDCG@10 {paired(nd, nd_b)}")

    # latency: typed question vs same words OR'd (searchpod), FTS5 OR'd with snippet()
    def t(fn: Callable[[], object]) -> float:
        out = []
        for _ in range(repeats):
            a = time.perf_counter()
            fn()
            out.append(time.perf_counter() - a)
        return statistics.median(out)

    snippet_sql = (
        "SELECT rowid, snippet(d, 0, '[', ']', '…', 12) FROM d WHERE d MATCH ? "
        "ORDER BY bm25(d) LIMIT 10"
    )
    sp, orq, ft = [], [], []
    for q in (typed[k] for k in judged):
        ored = " OR ".join(q.split())
        match = " OR ".join(f'"{w}"' for w in q.split())

        def question(text: str = q) -> None:
            ix.search(text, limit=10)

        def words_ored(text: str = ored) -> None:
            ix.search(text, limit=10)

        def fts(text: str = match) -> None:
            con.execute(snippet_sql, (text,)).fetchall()

        try:
            question()
            words_ored()
        except SearchpodError:
            continue
        fts()
        sp.append(t(question))
        orq.append(t(words_ored))
        ft.append(t(fts))
    print(
        f"latency ms (n={len(sp)}): question p50 {1000 * statistics.median(sp):.1f} p95 {1000 * pct(sp, 0.95):.1f} | "
        f"same words OR'd p50 {1000 * statistics.median(orq):.1f} p95 {1000 * pct(orq, 0.95):.1f} | "
        f"fts5+snippet p50 {1000 * statistics.median(ft):.2f} p95 {1000 * pct(ft, 0.95):.2f}"
    )
    print(
        f"ratios: p95 question/OR {pct(sp, 0.95) / pct(orq, 0.95):.2f}  question/fts5 {pct(sp, 0.95) / pct(ft, 0.95):.2f}"
    )
    ix.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--work", type=Path, default=None, help="keep built indexes here, reuse them")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="searchpod-questions-"))
    work.mkdir(parents=True, exist_ok=True)
    for name, reader in (("cranfield", read_collection), ("cisi", read_cisi)):
        if a.only in ("", name):
            if (SHARED / name).is_dir():
                run(name, reader(SHARED / name), work, a.repeats)
            else:
                print(f"no {name} collection at {SHARED / name}: skipped")


if __name__ == "__main__":
    main()
