"""searchpod vs SQLite FTS5 on real transcripts, in one run: build, queries, cold CLI,
incremental updates and known-item ranking quality.

    python benchmarks/run.py --corpus ../shared/corpus/harmontown [--quick] [--json]
    python benchmarks/run.py --scale N [--builds 3] [--quick] [--json]   # + tantivy, N episodes

Medians of repeated runs; the machine is noisy, so the ratios are the figures that matter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Benchmark the code of this checkout, installed or not (child processes too, via PYTHONPATH).
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "harmontown"
STOP = set(
    """a an and are as at be but by for from has have if in into is it its of on or such
that the their then there these they this to was were will with i you he she we me my your
what just like know yeah dont thats its im right okay well so do not all one get got""".split()
)
# Words as both engines see them: a contraction ("didn't") is one token here, so its parts
# ("didn", "t" — FTS5's view) are never drawn as query words.
TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in TOKEN.findall(text)]


def plain_words(text: str) -> list[str]:
    return [t for t in tokens(text) if t.isalpha()]


def read_tsv(path: Path) -> list[tuple[float, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0].isdigit():
            rows.append((int(parts[0]) / 1000, " ".join(parts[2:]).strip()))
    return rows


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- FTS5 baseline -------------------------------------------------------------------------


def build_fts(files: list[Path], db: Path) -> sqlite3.Connection:
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE ep USING fts5(name, body, tokenize='porter unicode61')")
    with con:
        for f in files:
            body = "\n".join(text for _, text in read_tsv(f))
            con.execute("INSERT INTO ep(name, body) VALUES (?, ?)", (f.stem, body))
    return con


def fts_query(words: list[str], phrase: bool) -> str:
    quoted = [f'"{w}"' for w in words]
    return '"' + " ".join(words) + '"' if phrase else " AND ".join(quoted)


def fts_search(con: sqlite3.Connection, q: str) -> list[str]:
    rows = con.execute(
        "SELECT name, snippet(ep, 1, '[', ']', '…', 32) FROM ep WHERE ep MATCH ? "
        "ORDER BY bm25(ep) LIMIT 10",
        (q,),
    ).fetchall()
    return [r[0] for r in rows]


# -- query sets ------------------------------------------------------------------------------


def corpus_stats(docs: dict[str, list[tuple[float, str]]]) -> Counter[str]:
    df: Counter[str] = Counter()
    for rows in docs.values():
        df.update({w for _, t in rows for w in plain_words(t)})
    return df


def query_set(docs, df, rng: random.Random, n: int) -> list[tuple[str, list[str], bool]]:
    lines = [(name, t) for name, rows in docs.items() for _, t in rows if len(t.split()) >= 6]
    singles, pairs, phrases = [], [], []
    while len(singles) < n or len(pairs) < n or len(phrases) < n:
        _, text = rng.choice(lines)
        words = [w for w in plain_words(text) if len(w) >= 4 and w not in STOP]
        if not words:
            continue
        words.sort(key=lambda w: df[w])
        if len(singles) < n and 2 <= df[words[0]] <= 20:
            singles.append(("single", [words[0]], False))
        elif len(pairs) < n and len(words) >= 2:
            pairs.append(("and", words[:2], False))
        elif len(phrases) < n:
            seq = tokens(text)
            i = rng.randrange(0, max(1, len(seq) - 3))
            k = rng.choice([2, 3])
            if all(len(w) >= 3 and w.isalpha() for w in seq[i : i + k]):
                phrases.append(("phrase", seq[i : i + k], True))
    return singles + pairs + phrases


def sp_query(words: list[str], phrase: bool) -> str:
    return '"' + " ".join(words) + '"' if phrase else " ".join(words)


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--quick", action="store_true", help="30 episodes, fewer repeats")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--known-items", type=int, default=200)
    ap.add_argument("--out", type=Path, default=None, help="working folder (default: temp)")
    ap.add_argument(
        "--scale",
        type=int,
        metavar="N",
        help="N episodes from ../shared/corpus (copies past the real ones): searchpod, FTS5 "
        "and tantivy side by side (see benchmarks/scale.py)",
    )
    ap.add_argument("--builds", type=int, default=3, help="full builds per engine with --scale")
    args = ap.parse_args()
    if args.scale:
        import scale

        scale.main(args)
        return
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    files = sorted(args.corpus.glob("*.tsv"), key=lambda p: (len(p.stem), p.stem))
    files = [f for f in files if f.stem.isdigit()]
    if args.quick:
        files, args.repeats, args.known_items = files[:30], 3, 60
    work = args.out or Path(tempfile.mkdtemp(prefix="searchpod-bench-"))
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for f in files:
        shutil.copy(f, corpus / f.name)
    files = sorted(corpus.glob("*.tsv"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    rng = random.Random(args.seed)
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    from searchpod import Index

    r: dict = {
        "date": dt.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
        "python": platform.python_version(),
        "episodes": len(files),
        "corpus_mb": round(mb, 2),
    }

    # Full builds.
    fts_times = timed(lambda: build_fts(files, work / "fts.db").close(), args.repeats)
    con = sqlite3.connect(work / "fts.db")

    def sp_build() -> None:
        shutil.rmtree(work / "ix", ignore_errors=True)
        Index.create(work / "ix").add_paths([corpus])

    sp_times = timed(sp_build, 2 if not args.quick else 1)
    r["build"] = {
        "searchpod_s": statistics.median(sp_times),
        "fts5_s": statistics.median(fts_times),
        "searchpod_mb_s": mb / statistics.median(sp_times),
        "fts5_mb_s": mb / statistics.median(fts_times),
        "searchpod_size_mb": dir_size(work / "ix") / 1e6,
        "fts5_size_mb": (work / "fts.db").stat().st_size / 1e6,
    }
    r["build"]["ratio"] = r["build"]["searchpod_s"] / r["build"]["fts5_s"]
    log(f"built: searchpod {r['build']['searchpod_s']:.1f}s, fts5 {r['build']['fts5_s']:.1f}s")

    # Warm queries.
    docs = {f.stem: read_tsv(f) for f in files}
    df = corpus_stats(docs)
    queries = query_set(docs, df, rng, 20 if not args.quick else 8)
    ix = Index(work / "ix")
    for _, words, phrase in queries:
        ix.search(sp_query(words, phrase))
        fts_search(con, fts_query(words, phrase))
    lat: dict[str, dict[str, list[float]]] = {}
    empty = 0
    for kind, words, phrase in queries:
        spq, ftq = sp_query(words, phrase), fts_query(words, phrase)
        sp = statistics.median(timed(lambda q=spq: ix.search(q), args.repeats))
        ft = statistics.median(timed(lambda q=ftq: fts_search(con, q), args.repeats))
        lat.setdefault(kind, {"searchpod": [], "fts5": []})
        lat[kind]["searchpod"].append(sp)
        lat[kind]["fts5"].append(ft)
        empty += sum(1 for h in ix.search(spq).hits if not h.snippets)
    r["queries"] = {
        kind: {
            "searchpod_p50_ms": 1000 * statistics.median(v["searchpod"]),
            "searchpod_p95_ms": 1000 * pct(v["searchpod"], 0.95),
            "fts5_p50_ms": 1000 * statistics.median(v["fts5"]),
            "fts5_p95_ms": 1000 * pct(v["fts5"], 0.95),
            "ratio_p50": statistics.median(v["searchpod"]) / statistics.median(v["fts5"]),
            "ratio_p95": pct(v["searchpod"], 0.95) / pct(v["fts5"], 0.95),
        }
        for kind, v in lat.items()
    }
    r["hits_without_snippets"] = empty

    # Cold CLI.
    exe = [sys.executable, "-m", "searchpod.frontends.cli", "--index", str(work / "ix"), "search"]
    word = queries[0][1][0]
    runs = 7 if not args.quick else 3
    # As after `pip install`, which byte-compiles the package: a checkout run with
    # PYTHONDONTWRITEBYTECODE set would otherwise recompile every module (~55 ms) each time.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    subprocess.run([*exe, word], capture_output=True, check=True, env=env)  # writes .pyc

    def cold_search() -> None:
        subprocess.run([*exe, word], capture_output=True, check=True, env=env)

    cold = timed(cold_search, runs)
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    r["cold_cli_s"] = statistics.median(cold)
    r["python_startup_s"] = statistics.median(bare)

    # Incremental.
    full = r["build"]["searchpod_s"]
    # The first rerun hashes every file (they were too fresh to trust by stat at build time);
    # later ones compare stat signatures only.
    nochange_first = timed(lambda: ix.add_paths([corpus]), 1)[0]
    nochange = statistics.median(timed(lambda: ix.add_paths([corpus]), 3))
    extras: list[Path] = []

    def new_episode() -> None:
        n = len(extras)
        extra = corpus / f"{9100 + n}.tsv"
        text = files[n].read_text(encoding="utf-8") + f"0\t1\tbenchmarkword{n}zz\n"
        extra.write_text(text, "utf-8")
        extras.append(extra)

    def add_one() -> float:
        new_episode()
        start = time.perf_counter()
        rep = ix.add_paths([corpus])
        assert len(rep.added) == 1, rep.added
        return time.perf_counter() - start

    # The first addition in a process pays one-time imports (NLTK for new words); a
    # long-running process (watch, an embedding app) pays only the later ones.
    add_first = add_one()
    add_steady = statistics.median(add_one() for _ in range(5))
    cli = [
        sys.executable,
        "-m",
        "searchpod.frontends.cli",
        "--index",
        str(work / "ix"),
        "index",
        str(corpus),
    ]

    def add_one_cli() -> None:
        new_episode()
        subprocess.run(cli, capture_output=True, check=True, env=env)

    add_cli = statistics.median(timed(add_one_cli, 3))
    for extra in extras:
        extra.unlink()
    ix.add_paths([corpus], prune=True)
    for f in files[1:4]:  # change 3
        f.write_text(f.read_text(encoding="utf-8") + "0\t1\tchanged line\n", "utf-8")
    for n in (9001, 9002):  # add 2
        shutil.copy(files[5], corpus / f"{n}.tsv")
    files[6].unlink()  # delete 1
    start = time.perf_counter()
    rep = ix.add_paths([corpus], prune=True)
    mixed = time.perf_counter() - start
    r["incremental"] = {
        "add_one_s": add_steady,
        "add_one_first_in_process_s": add_first,
        "add_one_cli_process_s": add_cli,
        "no_change_first_s": nochange_first,
        "no_change_s": nochange,
        "no_change_pct_of_full": 100 * nochange / full,
        "mixed_s": mixed,
        "mixed_pct_of_full": 100 * mixed / full,
        "mixed_report": {k: v for k, v in rep.to_dict().items() if k != "failed"},
    }
    files = sorted(corpus.glob("*.tsv"))
    con.close()
    con = build_fts(files, work / "fts.db")
    docs = {f.stem: read_tsv(f) for f in files}

    # Known-item quality.
    lines = [(n, s, t) for n, rows in docs.items() for s, t in rows if len(tokens(t)) >= 8]
    ok_sp = ok_ft = none_sp = none_ft = near = 0
    rr_sp = rr_ft = 0.0
    asked = 0
    for name, start_s, text in rng.sample(lines, min(args.known_items, len(lines))):
        words = sorted({w for w in plain_words(text) if len(w) >= 4} - STOP,
                       key=lambda w: (df[w], w))[:4]  # fmt: skip
        if len(words) < 4:
            continue
        asked += 1
        res = ix.search(" ".join(words))
        sp_ids = [Path(h.id).stem for h in res.hits]
        ft_ids = fts_search(con, fts_query(words, False))
        none_sp += not sp_ids
        none_ft += not ft_ids
        if name in sp_ids:
            rr_sp += 1 / (sp_ids.index(name) + 1)
        if name in ft_ids:
            rr_ft += 1 / (ft_ids.index(name) + 1)
        if sp_ids[:1] == [name]:
            ok_sp += 1
            first = res.hits[0].snippets[0] if res.hits[0].snippets else None
            near += bool(first and first.start is not None and abs(first.start - start_s) <= 60)
        ok_ft += ft_ids[:1] == [name]
    r["known_item"] = {
        "queries": asked,
        "searchpod_success_at_1": ok_sp / asked,
        "fts5_success_at_1": ok_ft / asked,
        "searchpod_mrr10": rr_sp / asked,
        "fts5_mrr10": rr_ft / asked,
        "searchpod_no_result": none_sp,
        "fts5_no_result": none_ft,
        "searchpod_first_snippet_within_60s": near / max(1, ok_sp),
    }
    ix.close()
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print_table(r)


def print_table(r: dict) -> None:
    b = r["build"]
    print(f"\nsearchpod benchmark — {r['date']} — {r['machine']} — Python {r['python']}")
    print(f"corpus: {r['episodes']} episodes, {r['corpus_mb']:.1f} MB of Whisper TSV\n")
    print(f"{'':34}{'searchpod':>12}{'FTS5':>10}{'ratio':>8}")
    print(f"{'full build (s)':34}{b['searchpod_s']:>12.2f}{b['fts5_s']:>10.2f}{b['ratio']:>8.2f}")
    print(f"{'build MB/s':34}{b['searchpod_mb_s']:>12.2f}{b['fts5_mb_s']:>10.2f}")
    print(f"{'index size (MB)':34}{b['searchpod_size_mb']:>12.1f}{b['fts5_size_mb']:>10.1f}")
    for kind, q in r["queries"].items():
        for p in ("p50", "p95"):
            label = f"warm top-10+snippets {kind} {p} (ms)"
            sp, ft = q[f"searchpod_{p}_ms"], q[f"fts5_{p}_ms"]
            print(f"{label:34}{sp:>12.2f}{ft:>10.2f}{q[f'ratio_{p}']:>8.2f}")
    print(f"{'hits without snippets':34}{r['hits_without_snippets']:>12}")
    print(
        f"{'cold CLI search (s, median)':34}{r['cold_cli_s']:>12.3f}   (python -c pass {r['python_startup_s']:.3f})"
    )
    i = r["incremental"]
    print(f"{'add one episode, warm process (s)':34}{i['add_one_s']:>12.3f}")
    print(f"{'  first in a process (s)':34}{i['add_one_first_in_process_s']:>12.3f}")
    print(f"{'  fresh `searchpod index` (s)':34}{i['add_one_cli_process_s']:>12.3f}")
    print(
        f"{'no-change reindex (s, % of full)':34}{i['no_change_s']:>12.3f}{i['no_change_pct_of_full']:>9.1f}%"
        f"   (first rerun, hashing all: {i['no_change_first_s']:.3f})"
    )
    print(
        f"{'3 changed+2 added+1 deleted (s, %)':34}{i['mixed_s']:>12.3f}{i['mixed_pct_of_full']:>9.1f}%   {i['mixed_report']}"
    )
    k = r["known_item"]
    print(
        f"{'known-item success@1':34}{k['searchpod_success_at_1']:>12.2f}{k['fts5_success_at_1']:>10.2f}"
    )
    print(f"{'known-item MRR@10':34}{k['searchpod_mrr10']:>12.2f}{k['fts5_mrr10']:>10.2f}")
    print(f"{'first snippet within 60 s':34}{k['searchpod_first_snippet_within_60s']:>12.2f}")
    print(
        f"({k['queries']} known-item queries; no result: searchpod {k['searchpod_no_result']}, FTS5 {k['fts5_no_result']})"
    )


if __name__ == "__main__":
    main()
