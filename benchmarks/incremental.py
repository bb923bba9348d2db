"""Incremental runs on a big index: no-change reruns and single additions, each one timed.

    python benchmarks/incremental.py --index IX --corpus DIR --source SRC [--runs 7] [--adds 7]
    python benchmarks/incremental.py --alternate BEFORE AFTER --index IX --corpus DIR --processes 3

One process (the first form): opens ``IX`` (an index of ``DIR``), warms up with one
no-change run and one addition (which pays one-time imports), then times ``--runs`` no-change
runs and ``--adds`` additions of one new episode each (a copy of a real transcript with one
new word, written into ``DIR``), then searches a fixed list of queries (median of 5 each) and
counts the index's segments; prints one JSON object. The added files are removed at the end.

``--alternate``: the code at BEFORE and at AFTER (two source trees, put first on
``PYTHONPATH``) take turns, ``--processes`` each, every process on a fresh copy of ``IX``;
prints medians with their range per side. ``DIR`` must be the folder ``IX`` was built from
(ids and paths name it), so the processes run one at a time.

    python benchmarks/incremental.py --compare-search IX1 IX2 ... [--rounds 7]

Searches the same queries (top 10 with snippets) on each index in turn, round after round,
in one process: each query's median over the rounds, then the median over the queries and
the index's segment count (e.g. after 100 single additions under two merge policies).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    "lighthouse",
    "packaging",
    "dungeons dragons",
    "python async",
    "really good",
    "pretty much",
    "type hints",
    "comedy",
]
# Rarer words too, for --compare-search: their cost is mostly per segment, not per match.
RARE = ["zeppelin", "harmonica", "kubernetes", "tarot", "bankruptcy", "pandas dataframe"]


def one_process(index: Path, corpus: Path, source: Path, runs: int, adds: int) -> dict:
    from searchpod import Index

    ix = Index(index)
    text = source.read_text("utf-8")
    made: list[Path] = []
    add_cpu: list[float] = []

    def add(n: int) -> float:
        f = corpus / f"zz-incremental-{os.getpid()}-{n}{source.suffix}"
        f.write_text(text + f"0\t1\tincrementalword{os.getpid()}x{n}zz\n", "utf-8")
        made.append(f)
        t, c = time.perf_counter(), time.process_time()
        report = ix.add_paths([corpus])
        took = time.perf_counter() - t
        add_cpu.append(time.process_time() - c)
        assert len(report.added) == 1, report.to_dict()
        return took

    try:
        ix.add_paths([corpus])
        add(0)
        add_cpu.clear()
        no_change, no_change_cpu = [], []
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            report = ix.add_paths([corpus])
            no_change.append(time.perf_counter() - t)
            no_change_cpu.append(time.process_time() - c)
            assert not report.added and not report.updated, report.to_dict()
        added = [add(n) for n in range(1, adds + 1)]
        searches = []
        for q in QUERIES:
            ix.search(q, limit=10)
            times = []
            for _ in range(5):
                t = time.perf_counter()
                ix.search(q, limit=10)
                times.append(time.perf_counter() - t)
            searches.append(statistics.median(times))
    finally:
        for f in made:
            f.unlink(missing_ok=True)
    return {
        "no_change_s": no_change,
        "add_s": added,
        # CPU time of this process (a busy machine inflates wall time, not this much).
        "no_change_cpu_s": no_change_cpu,
        "add_cpu_s": add_cpu,
        "search_p50_s": statistics.median(searches),
        "segments": segment_count(index),
    }


def segment_count(index: Path) -> int:
    from whoosh.index import open_dir

    gen = index / (index / "CURRENT").read_text().strip()
    return len(open_dir(str(gen))._segments())


def spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.0f} ({ms[0]:.0f}-{ms[-1]:.0f})"


def alternate(args: argparse.Namespace) -> None:
    sides = {"before": args.alternate[0], "after": args.alternate[1]}
    results: dict[str, list[dict]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for _ in range(args.processes):
            for side, src in sides.items():
                copy = Path(tmp) / "ix"
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(args.index, copy)
                env = {**os.environ, "PYTHONPATH": str(src)}
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--index",
                        str(copy),
                        "--corpus",
                        str(args.corpus),
                        "--source",
                        str(args.source),
                        "--runs",
                        str(args.runs),
                        "--adds",
                        str(args.adds),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results[side].append(json.loads(out))
    summary = {}
    for side, rs in results.items():
        summary[side] = {
            "no_change_ms": spread([t for r in rs for t in r["no_change_s"]]),
            "add_ms": spread([t for r in rs for t in r["add_s"]]),
            "no_change_cpu_ms": spread([t for r in rs for t in r["no_change_cpu_s"]]),
            "add_cpu_ms": spread([t for r in rs for t in r["add_cpu_s"]]),
            "search_p50_ms": spread([r["search_p50_s"] for r in rs]),
            "segments": [r["segments"] for r in rs],
        }
    print(json.dumps({"summary": summary, "runs": results}, indent=1))


def compare_search(indexes: list[Path], rounds: int) -> None:
    from searchpod import Index

    opened = [Index(ix) for ix in indexes]
    queries = QUERIES + RARE
    times: list[dict[str, list[float]]] = [{q: [] for q in queries} for _ in indexes]
    for ix in opened:
        for q in queries:
            ix.search(q, limit=10)  # warm
    for _ in range(rounds):
        for ix, mine in zip(opened, times, strict=True):
            for q in queries:
                t = time.perf_counter()
                ix.search(q, limit=10)
                mine[q].append(time.perf_counter() - t)
    for path, mine in zip(indexes, times, strict=True):
        per_query = {q: statistics.median(v) * 1000 for q, v in mine.items()}
        print(
            json.dumps(
                {
                    "index": str(path),
                    "segments": segment_count(path),
                    "p50_ms": round(statistics.median(per_query.values()), 2),
                    "per_query_ms": {q: round(v, 2) for q, v in per_query.items()},
                }
            )
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--index", type=Path)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--source", type=Path, help="a transcript to copy as new episodes")
    p.add_argument("--compare-search", nargs="+", type=Path, metavar="IX")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--adds", type=int, default=7)
    p.add_argument("--alternate", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    p.add_argument("--processes", type=int, default=3)
    p.add_argument("--work", type=Path, default=None, help="where index copies go")
    args = p.parse_args()
    if args.compare_search:
        compare_search(args.compare_search, args.rounds)
    elif args.alternate:
        alternate(args)
    else:
        print(json.dumps(one_process(args.index, args.corpus, args.source, args.runs, args.adds)))


if __name__ == "__main__":
    main()
