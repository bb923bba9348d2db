"""Profile one row of the scale benchmark with cProfile: where searchpod's time goes.

    python benchmarks/hotspots.py --scale 1000 --row add --work /tmp/hot  # or build, nochange, common

The corpus (and, for the other rows, an index) is made in --work once and reused, so rows
can be profiled one after the other. `build` profiles a full in-process build
(SEARCHPOD_WORKERS=0: the work each worker does, in one process); `add` adds one new
episode to the built index, `--times` times over, in one warm process; `nochange` reruns
it with nothing changed; `common` runs the scale benchmark's common-word queries. Prints
the top functions by own and by cumulative time; --dump keeps the raw profile for pstats.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=int, required=True, metavar="N")
    ap.add_argument("--row", choices=("build", "add", "nochange", "common"), required=True)
    ap.add_argument("--work", type=Path, required=True, help="folder kept between runs")
    ap.add_argument("--times", type=int, default=10, help="additions or query rounds")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--dump", type=Path, default=None)
    args = ap.parse_args()
    os.environ.setdefault("SEARCHPOD_WORKERS", "0")
    from searchpod import Index

    corpus = args.work / f"corpus-{args.scale}"
    if not corpus.is_dir():
        scale.build_corpus(args.scale, corpus)
    ix_path = args.work / f"ix-{args.scale}"
    prof = cProfile.Profile()
    start = time.perf_counter()
    if args.row == "build":
        shutil.rmtree(ix_path, ignore_errors=True)
        prof.runcall(lambda: Index.create(ix_path).add_paths([corpus]))
    else:
        if not ix_path.is_dir():
            Index.create(ix_path).add_paths([corpus])
        ix = Index(ix_path)
        if args.row == "add":
            source = scale.real_episodes()[0]
            ix.add_paths([corpus])  # the first rerun hashes every file; not what we profile
            n = len(list(corpus.glob("zz-hot*")))

            def add_some(count: int) -> None:
                nonlocal n
                for i in range(n, n + count):
                    text = source.read_text(encoding="utf-8") + f"0\t1\thotspotword{i}zz\n"
                    (corpus / f"zz-hot{i}.tsv").write_text(text, "utf-8")
                    assert len(ix.add_paths([corpus]).added) == 1
                n += count

            add_some(1)  # the first addition in a process pays one-time imports (NLTK)
            start = time.perf_counter()
            prof.runcall(add_some, args.times)
        elif args.row == "nochange":
            ix.add_paths([corpus])  # the first rerun hashes every file; not what we profile
            start = time.perf_counter()
            prof.runcall(lambda: [ix.add_paths([corpus]) for _ in range(args.times)])
        else:
            for words in scale.COMMON_QUERIES:
                ix.search(" ".join(words))
            start = time.perf_counter()
            prof.runcall(
                lambda: [
                    ix.search(" ".join(w)) for _ in range(args.times) for w in scale.COMMON_QUERIES
                ]
            )
    print(f"{args.row} at {args.scale} episodes: {time.perf_counter() - start:.2f} s profiled")
    if args.dump:
        prof.dump_stats(args.dump)
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(args.top)
        print(out.getvalue().split("\n", 6)[-1] if key == "tottime" else out.getvalue())


if __name__ == "__main__":
    main()
