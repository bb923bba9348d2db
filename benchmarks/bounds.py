"""Adversarial queries against a 3,000-episode index: the slowest answer, and what it was.

    python benchmarks/bounds.py                       # builds the --scale 3000 corpus first
    python benchmarks/bounds.py --index IX --seconds 120 --json

Runs a fixed list of queries that used to run away (fuzzy words at every distance, ``NOT *``,
prefixes mixed with fuzzy words and facets, 1,000-character queries, 1,000 results with
snippets), then random ones for ``--seconds``: words of the index with ``~N`` (any N, and
``/P`` prefix lengths), prefixes, wildcards, ``NOT``, ``*``, with facets, date sorts and
``--fuzzy`` drawn at random. Each query runs in this process on a warm index; reports the
wall and CPU time of each fixed query, and for all of them the maximum, p50 and p95 wall
time, how many were refused with a QueryError (over the budget, or malformed), and any
other error (there should be none: exit 1 if so).

The index is built like ``run.py --scale N``: ../shared/corpus's harmontown TSV and
pythonbytes VTT, then copies under new ids until there are N (``scale.build_corpus``).
The machine is shared: wall time includes waiting for a core; CPU time is the query's own.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

LONG = " ".join(f"{chr(97 + i % 26)}{chr(97 + i * 7 % 26)}*" for i in range(330))[:1000]
FIXED: list[tuple[str, dict[str, Any]]] = [
    *((f"community~{n}", {}) for n in range(10)),
    ("community~9/0", {}),
    ("NOT *", {}),
    ("NOT community~9", {}),
    ("*", {"facets": True}),
    ("communit~3 pre* dan*", {"facets": True}),
    ("communit~3 pre* dan*", {"facets": True, "sort": "newest"}),
    ("c* d* e* f*", {"facets": True}),
    ("*e* NOT a*", {}),
    ('"really good" NOT *', {}),
    ("really good", {"facets": True, "fuzzy": True}),
    ("really", {"limit": 1000}),
    ("really", {"limit": 1000, "sort": "oldest"}),
    (LONG, {}),
    (LONG, {"facets": True}),
    ("pretty much " * 83, {}),
]


def random_query(rng: random.Random, words: list[str]) -> tuple[str, dict[str, Any]]:
    pieces = []
    for _ in range(rng.randint(1, 12)):
        word = rng.choice(words)
        kind = rng.random()
        if kind < 0.3:
            pieces.append(f"{word}~{rng.choice([rng.randint(0, 9), rng.randint(0, 10**6)])}")
        elif kind < 0.4:
            pieces.append(f"{word}~{rng.randint(0, 9)}/{rng.randint(0, 5)}")
        elif kind < 0.6:
            pieces.append(word[: rng.randint(1, 3)] + "*")
        elif kind < 0.65:
            pieces.append("*" + word[1:3] + "*")
        elif kind < 0.75:
            pieces.append(rng.choice(["NOT", "NOT *", "*", "OR", "AND"]))
        else:
            pieces.append(word)
    options: dict[str, Any] = {
        "facets": rng.random() < 0.5,
        "fuzzy": rng.random() < 0.2,
        "sort": rng.choice(["relevance", "relevance", "newest"]),
    }
    return " ".join(pieces), options


def run_one(ix: Any, query: str, options: dict[str, Any]) -> dict[str, Any]:
    from searchpod import QueryError, SearchpodError

    wall, cpu = time.perf_counter(), time.thread_time()
    outcome = "ok"
    try:
        ix.search(query, **options)
    except QueryError as exc:
        outcome = f"QueryError: {str(exc)[:160]}"
    except SearchpodError as exc:
        outcome = f"ERROR {type(exc).__name__}: {exc}"
    return {
        "query": query if len(query) <= 60 else query[:57] + "...",
        "options": options,
        "wall_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.thread_time() - cpu, 3),
        "outcome": outcome,
    }


def index_for(args: argparse.Namespace) -> Path:
    if args.index is not None and (args.index / "CURRENT").exists():
        return Path(args.index)
    import scale

    from searchpod import Index

    work = Path(tempfile.mkdtemp(prefix="searchpod-bounds-"))
    index = args.index or work / "index"
    print(f"building {args.episodes} episodes into {index} ...", file=sys.stderr)
    corpus = work / "corpus"
    scale.build_corpus(args.episodes, corpus)
    Index.create(index).add_paths([corpus])
    return Path(index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--index", type=Path, help="an index to reuse (built there if absent)")
    ap.add_argument("--episodes", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=60.0, help="of random queries")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from searchpod import Index

    ix = Index(index_for(args))
    episodes = len(ix)
    ix.search("warm up")
    with ix._pool_for(None).searcher() as searcher:
        vocabulary = [t.decode() for t in searcher._searcher.reader().lexicon("title")]
    words = [w for w in vocabulary if w.isalpha() and len(w) >= 3] or ["community"]
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    fixed = []
    for query, options in FIXED:
        row = run_one(ix, query, options)
        fixed.append(row)
        log(f"{row['wall_s']:7.3f} s wall {row['cpu_s']:6.3f} s CPU  {row['query']!r} "
            f"{options or ''}  {row['outcome'][:90]}")  # fmt: skip
    rng = random.Random(args.seed)
    rand = []
    stop = time.monotonic() + args.seconds
    while time.monotonic() < stop:
        rand.append(run_one(ix, *random_query(rng, words)))
    everything = fixed + rand
    walls = sorted(r["wall_s"] for r in everything)
    slowest = max(everything, key=lambda r: r["wall_s"])
    most_work = max(everything, key=lambda r: r["cpu_s"])
    errors = [r for r in everything if r["outcome"].startswith("ERROR")]
    summary = {
        "episodes": episodes,
        "queries": len(everything),
        "random_queries": len(rand),
        "max_wall_s": walls[-1],
        "max_cpu_s": max(r["cpu_s"] for r in everything),
        "p50_wall_s": statistics.median(walls),
        "p95_wall_s": walls[int(0.95 * (len(walls) - 1))],
        "over_1s": sum(w > 1.0 for w in walls),
        "query_errors": sum(r["outcome"].startswith("QueryError") for r in everything),
        "other_errors": len(errors),
        "slowest": slowest,
        "most_cpu": most_work,
    }
    if args.json:
        print(json.dumps({"summary": summary, "fixed": fixed, "errors": errors}, indent=2))
    else:
        log(json.dumps(summary, indent=2))
        for r in errors[:10]:
            log(r)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
