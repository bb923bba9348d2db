"""searchpod vs SQLite FTS5 vs tantivy on N real episodes, in one run (`run.py --scale N`).

    python benchmarks/run.py --scale 1000 [--builds 3] [--quick] [--json]

The corpus is built in a scratch folder from ../shared/corpus: the 180 harmontown Whisper
TSV first, then the pythonbytes VTT, then copies of both under new ids ("r1-…", "r2-…")
until there are N. Each engine indexes the same files, parsing them itself (FTS5 and
tantivy get each episode's transcript text as one row/document; tantivy stores it so it
can make snippets, as FTS5 and searchpod do).

Each full build runs in its own child process, engines taking turns, so the figures are the
build's alone: CPU seconds (every process in the build's tree, sampled from /proc), peak
RSS of the whole process tree (summed over its processes at each sample), wall time.
Queries, warm additions and the no-change rerun run in this process on the last build;
"fresh process" additions start one child each. Medians with their range (min-max).
"""

from __future__ import annotations

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
ENGINES = ("searchpod", "fts5", "tantivy")
# Said often in both shows: every episode-level engine must score a large share of the corpus.
COMMON_QUERIES = (
    ["really", "good"],
    ["pretty", "much"],
    ["little", "bit"],
    ["make", "sure"],
    ["long", "time"],
)
VTT_TAG = re.compile(r"<[^>]+>")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


# -- corpus --------------------------------------------------------------------------------


def real_episodes(shared: Path = SHARED_CORPUS) -> list[Path]:
    """The real transcripts, in a fixed order: harmontown by number, then pythonbytes."""
    tsv = [f for f in (shared / "harmontown").glob("*.tsv") if f.stem.isdigit()]
    vtt = sorted((shared / "pythonbytes" / "transcripts").glob("*.vtt"))
    return sorted(tsv, key=lambda f: int(f.stem)) + vtt


def build_corpus(n: int, dest: Path, shared: Path = SHARED_CORPUS) -> list[Path]:
    """Copy ``n`` episodes into ``dest``; past the real ones, copies under new ids."""
    real = real_episodes(shared)
    if not real:
        raise FileNotFoundError(f"no transcripts under {shared}")
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        source = real[i % len(real)]
        copy = i // len(real)
        target = dest / (source.name if copy == 0 else f"r{copy}-{source.name}")
        shutil.copyfile(source, target)
        out.append(target)
    return out


def transcript_lines(path: Path) -> list[str]:
    """The said text of one TSV or VTT transcript, a line per segment or cue."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".tsv":
        rows = (line.split("\t") for line in text.splitlines()[1:])
        return [" ".join(p[2:]).strip() for p in rows if len(p) >= 3 and p[0].isdigit()]
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if not s or "-->" in s or s.isdigit() or s.startswith(("WEBVTT", "NOTE", "STYLE")):
            continue
        lines.append(VTT_TAG.sub("", s))
    return lines


def episode_name(path: Path) -> str:
    return path.stem


# -- engines: build, add, search -----------------------------------------------------------


def build_index(engine: str, corpus: Path, out: Path) -> None:
    """A full build of ``corpus`` into ``out`` (run in a child process)."""
    files = sorted(corpus.iterdir())
    if engine == "searchpod":
        from searchpod import Index

        Index.create(out).add_paths([corpus])
    elif engine == "fts5":
        con = sqlite3.connect(out)
        con.execute("CREATE VIRTUAL TABLE ep USING fts5(name, body, tokenize='porter unicode61')")
        with con:
            for f in files:
                fts_add(con, f)
        con.close()
    else:
        import tantivy

        out.mkdir()
        index = tantivy.Index(tantivy_schema(), path=str(out))
        writer = index.writer()
        for f in files:
            tantivy_add(writer, f)
        writer.commit()
        writer.wait_merging_threads()


def fts_add(con: sqlite3.Connection, path: Path) -> None:
    body = "\n".join(transcript_lines(path))
    con.execute("INSERT INTO ep(name, body) VALUES (?, ?)", (episode_name(path), body))


def tantivy_schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("name", stored=True, tokenizer_name="raw")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    return sb.build()


def tantivy_add(writer: Any, path: Path) -> None:
    import tantivy

    body = "\n".join(transcript_lines(path))
    writer.add_document(tantivy.Document(name=episode_name(path), body=body))


def add_in_child(engine: str, index: Path, path: Path) -> None:
    """Add one episode as a fresh process would (FTS5, tantivy; searchpod uses its CLI)."""
    if engine == "fts5":
        con = sqlite3.connect(index)
        with con:
            fts_add(con, path)
        con.close()
    else:
        import tantivy

        ix = tantivy.Index.open(str(index))
        writer = ix.writer()
        tantivy_add(writer, path)
        writer.commit()
        writer.wait_merging_threads()


class Engine:
    """One built index, open in this process: top-10 search with snippets, warm additions."""

    def __init__(self, name: str, path: Path, corpus: Path) -> None:
        self.name, self.path, self.corpus = name, path, corpus
        self._writer: Any = None
        if name == "searchpod":
            from searchpod import Index

            self.ix = Index(path)
        elif name == "fts5":
            self.con = sqlite3.connect(path)
        else:
            import tantivy

            self.ix = tantivy.Index.open(str(path))
            self.schema = tantivy_schema()

    def search(self, words: list[str]) -> list[tuple[str, str]]:
        """Top 10 episodes having all ``words``, each with a snippet."""
        if self.name == "searchpod":
            res = self.ix.search(" ".join(words))
            return [(h.id, h.snippets[0].text if h.snippets else "") for h in res.hits]
        if self.name == "fts5":
            q = " AND ".join(f'"{w}"' for w in words)
            return self.con.execute(
                "SELECT name, snippet(ep, 1, '[', ']', '…', 32) FROM ep WHERE ep MATCH ? "
                "ORDER BY bm25(ep) LIMIT 10",
                (q,),
            ).fetchall()
        import tantivy

        searcher = self.ix.searcher()
        query = self.ix.parse_query(" AND ".join(words), ["body"])
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.schema, "body")
        out = []
        for _, address in searcher.search(query, 10).hits:
            doc = searcher.doc(address)
            out.append((doc["name"][0], snippets.snippet_from_doc(doc).to_html()))
        return out

    def add(self, path: Path) -> None:
        """Add one new episode file (already written into the corpus) and commit it."""
        if self.name == "searchpod":
            report = self.ix.add_paths([self.corpus])
            assert len(report.added) == 1, report.to_dict()
        elif self.name == "fts5":
            with self.con:
                fts_add(self.con, path)
        else:
            # A long-running process keeps its writer (it holds the index's lock).
            if self._writer is None:
                self._writer = self.ix.writer()
            tantivy_add(self._writer, path)
            self._writer.commit()
            self.ix.reload()

    def release_writer(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def close(self) -> None:
        self.release_writer()
        if self.name == "searchpod":
            self.ix.close()
        elif self.name == "fts5":
            self.con.close()


def available_engines() -> list[str]:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return ["searchpod", "fts5"]
    return list(ENGINES)


# -- measuring a child process tree ----------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, float, int]]:
    """pid -> (parent pid, own CPU seconds, RSS bytes), for every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                rss = int(f.read().split()[1]) * PAGE
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        table[int(entry)] = (int(fields[1]), cpu, rss)
    return table


def _tree(table: dict[int, tuple[int, float, int]], root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def run_measured(cmd: list[str], env: dict[str, str], interval: float = 0.05) -> dict[str, float]:
    """Run ``cmd``; its wall time, CPU seconds and peak RSS of its whole process tree.

    CPU is the larger of what wait4 reports (the child plus the descendants it reaped) and
    the sum of each process's own CPU as last sampled (descendants that outlive their
    reaping, such as a forkserver, count too); the two agree within a sample or two.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    own_cpu: dict[int, float] = {}
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        table = _proc_table()
        tree = _tree(table, proc.pid)
        peak = max(peak, sum(table[p][2] for p in tree))
        for p in tree:
            own_cpu[p] = table[p][1]
        time.sleep(interval)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    waited = usage.ru_utime + usage.ru_stime
    return {
        "wall_s": wall,
        "cpu_s": max(waited, sum(own_cpu.values())),
        "cpu_waited_s": waited,
        "cpu_sampled_s": sum(own_cpu.values()),
        "peak_rss_mb": max(peak, usage.ru_maxrss * 1024) / 1e6,
    }


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- query sets ------------------------------------------------------------------------------


def query_sets(files: list[Path], rng: random.Random, n: int) -> dict[str, list[list[str]]]:
    """Seeded rare single words and two-word ANDs from random lines; fixed common pairs.

    Document frequencies are counted on the real episodes and multiplied by how many
    copies of each are in the corpus (the same words, under another id).
    """
    from run import STOP, plain_words

    copies = Counter(
        f.name.split("-", 1)[1] if re.match(r"r\d+-", f.name) else f.name for f in files
    )
    real = {f.name: f for f in files if not re.match(r"r\d+-", f.name)}
    df: Counter[str] = Counter()
    lines = []
    for name, f in real.items():
        rows = transcript_lines(f)
        for w in {w for t in rows for w in plain_words(t)}:
            df[w] += copies[name]
        lines.extend(t for t in rows if len(t.split()) >= 6)
    singles: list[list[str]] = []
    pairs: list[list[str]] = []
    for _ in range(200 * n):
        if len(singles) >= n and len(pairs) >= n:
            break
        words = [w for w in plain_words(rng.choice(lines)) if len(w) >= 4 and w not in STOP]
        words.sort(key=lambda w: (df[w], w))
        if len(singles) < n and words and 2 <= df[words[0]] <= 20:
            singles.append(words[:1])
        elif len(pairs) < n and len(words) >= 2 and df[words[0]] >= 2:
            pairs.append(words[:2])
    return {"rare": singles, "and": pairs, "common": [list(q) for q in COMMON_QUERIES]}


# -- the run -----------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def child_env() -> dict[str, str]:
    # As after `pip install`, which byte-compiles the package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_scale(
    n: int,
    *,
    builds: int = 3,
    repeats: int = 5,
    queries: int = 20,
    adds: int = 10,
    seed: int = 7,
    work: Path | None = None,
    engines: list[str] | None = None,
    log: Callable[..., None] = print,
) -> dict[str, Any]:
    """Build, query and update ``n`` episodes with each engine; the figures as one dict."""
    engines = engines or available_engines()
    own_work = work is None
    work = work or Path(tempfile.mkdtemp(prefix="searchpod-scale-"))
    env = child_env()
    try:
        corpus = work / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        files = build_corpus(n, corpus)
        mb = sum(f.stat().st_size for f in files) / 1e6
        r: dict[str, Any] = {
            "date": dt.datetime.now().isoformat(timespec="minutes"),
            "machine": f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
            f"{platform.machine()}, {platform.system()}, load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "python": platform.python_version(),
            "episodes": n,
            "real_episodes": len(real_episodes()),
            "corpus_mb": round(mb, 1),
            "engines": engines,
        }
        log(f"corpus: {n} episodes, {mb:.1f} MB in {corpus}")

        # Full builds, one child process each, engines taking turns round by round.
        runs: dict[str, list[dict[str, float]]] = {e: [] for e in engines}
        index: dict[str, Path] = {}
        for b in range(builds):
            for e in engines[b % len(engines) :] + engines[: b % len(engines)]:
                out = work / (f"{e}.db" if e == "fts5" else f"{e}-ix")
                shutil.rmtree(out, ignore_errors=True)
                out.unlink(missing_ok=True)
                cmd = [sys.executable, str(BENCH / "scale.py"), "build", e, str(corpus), str(out)]
                m = run_measured(cmd, env)
                m["size_mb"] = dir_size(out) / 1e6
                runs[e].append(m)
                index[e] = out
                log(f"build {b + 1}/{builds} {e}: {m['wall_s']:.1f} s wall, "
                    f"{m['cpu_s']:.1f} s CPU, {m['peak_rss_mb']:.0f} MB peak")  # fmt: skip
        r["build"] = {
            e: {
                "wall_s": spread([m["wall_s"] for m in ms]),
                "cpu_s_per_mb": spread([m["cpu_s"] / mb for m in ms]),
                "peak_rss_mb": spread([m["peak_rss_mb"] for m in ms]),
                "size_mb": ms[-1]["size_mb"],
                "runs": ms,
            }
            for e, ms in runs.items()
        }

        # Warm queries: each query's median over `repeats`, then p50/p95 over the queries.
        # A tiny corpus may have no rare words to draw: such a kind is left out.
        sets = {k: v for k, v in query_sets(files, random.Random(seed), queries).items() if v}
        r["query_words"] = sets
        open_engines = {e: Engine(e, index[e], corpus) for e in engines}
        for eng in open_engines.values():
            for qs in sets.values():
                for words in qs:
                    eng.search(words)
        lat: dict[str, dict[str, list[float]]] = {k: {e: [] for e in engines} for k in sets}
        empty = dict.fromkeys(engines, 0)
        for kind, qs in sets.items():
            for words in qs:
                for e, eng in open_engines.items():
                    lat[kind][e].append(
                        statistics.median(timed(lambda w=words, g=eng: g.search(w), repeats))
                    )
                    empty[e] += sum(1 for _, snippet in eng.search(words) if not snippet)
        r["queries"] = {
            kind: {
                e: {"p50_ms": 1000 * statistics.median(v), "p95_ms": 1000 * pct(v, 0.95)}
                for e, v in by_engine.items()
            }
            for kind, by_engine in lat.items()
        }
        r["hits_without_snippets"] = empty
        log("queries done")

        # Incremental: warm additions in this process, then fresh processes.
        real = real_episodes()
        made = 0

        # searchpod's new episodes go into the corpus it rescans; the others' beside it.
        extra = work / "extra"
        extra.mkdir(exist_ok=True)

        def new_episode(engine: str) -> Path:
            nonlocal made
            source = real[made % len(real)]
            folder = corpus if engine == "searchpod" else extra
            target = folder / f"zz-new{made}-{source.name}"
            text = source.read_text(encoding="utf-8")
            if source.suffix == ".tsv":
                text += f"0\t1\tbenchmarkword{made}zz\n"
            else:
                text += f"\n99:00:00.000 --> 99:00:01.000\nbenchmarkword{made}zz\n"
            target.write_text(text, "utf-8")
            made += 1
            return target

        r["add_warm_s"] = {}
        for e, eng in open_engines.items():
            times = []
            for _ in range(adds):
                path = new_episode(e)
                times.append(timed(lambda p=path, g=eng: g.add(p), 1)[0])
            eng.release_writer()
            r["add_warm_s"][e] = spread(times)
        log("warm additions done")
        r["add_process_s"] = {}
        for e in engines:
            times = []
            for _ in range(max(1, adds // 3)):
                path = new_episode(e)
                if e == "searchpod":
                    cmd = [
                        sys.executable,
                        "-m",
                        "searchpod.frontends.cli",
                        "--index",
                        str(index[e]),
                        "index",
                        str(corpus),
                    ]
                else:
                    cmd = [
                        sys.executable,
                        str(BENCH / "scale.py"),
                        "add",
                        e,
                        str(index[e]),
                        str(path),
                    ]
                times.append(
                    timed(
                        lambda c=cmd: subprocess.run(c, env=env, check=True, capture_output=True), 1
                    )[0]
                )
            r["add_process_s"][e] = spread(times)
        # A fresh process answering one rare-word query: what a command-line user waits for.
        words = (sets.get("rare") or sets["common"])[0]
        r["search_process_s"] = {}
        for e in engines:
            if e == "searchpod":
                cmd = [
                    sys.executable,
                    "-m",
                    "searchpod.frontends.cli",
                    "--index",
                    str(index[e]),
                    "search",
                ]
            else:
                cmd = [sys.executable, str(BENCH / "scale.py"), "search", e, str(index[e])]

            def search_once(c: list[str] = [*cmd, *words]) -> None:  # noqa: B006
                subprocess.run(c, env=env, check=True, capture_output=True)

            search_once()  # writes the bytecode caches, as `pip install` would have
            r["search_process_s"][e] = spread(timed(search_once, max(2, adds // 2)))
        r["python_startup_s"] = spread(
            timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 5)
        )
        if "searchpod" in open_engines:
            sp = open_engines["searchpod"]
            sp.ix.add_paths([corpus])  # the first rerun hashes files too fresh to trust by stat
            r["no_change_s"] = {"searchpod": spread(timed(lambda: sp.ix.add_paths([corpus]), 5))}
        for eng in open_engines.values():
            eng.close()
        return r
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# -- printing ------------------------------------------------------------------------------


def _fmt(s: dict[str, float], unit: float = 1.0, digits: int = 2) -> str:
    m, lo, hi = (s[k] * unit for k in ("median", "min", "max"))
    if lo == hi:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def table_rows(r: dict[str, Any]) -> list[tuple[str, dict[str, str], dict[str, float]]]:
    """(label, cell text per engine, value per engine for the ratios)."""
    rows = []
    b = r["build"]

    def add(label: str, cells: dict[str, tuple[str, float]]) -> None:
        rows.append(
            (label, {e: c[0] for e, c in cells.items()}, {e: c[1] for e, c in cells.items()})
        )

    add(
        "build CPU per MB of text (s)",
        {e: (_fmt(v["cpu_s_per_mb"], digits=3), v["cpu_s_per_mb"]["median"]) for e, v in b.items()},
    )
    add(
        "build wall time (s)",
        {e: (_fmt(v["wall_s"], digits=1), v["wall_s"]["median"]) for e, v in b.items()},
    )
    add(
        "build peak RSS, process tree (MB)",
        {e: (_fmt(v["peak_rss_mb"], digits=0), v["peak_rss_mb"]["median"]) for e, v in b.items()},
    )
    add("index size (MB)", {e: (f"{v['size_mb']:.1f}", v["size_mb"]) for e, v in b.items()})
    names = {"rare": "rare word", "and": "two-word AND", "common": "common words"}
    for kind, by_engine in r["queries"].items():
        for p in ("p50", "p95"):
            add(f"{names[kind]} top-10+snippets {p} (ms)",
                {e: (f"{v[f'{p}_ms']:.1f}", v[f"{p}_ms"]) for e, v in by_engine.items()})  # fmt: skip
    add(
        "add one episode, warm (s)",
        {e: (_fmt(v, digits=3), v["median"]) for e, v in r["add_warm_s"].items()},
    )
    add(
        "add one episode, fresh process (s)",
        {e: (_fmt(v, digits=3), v["median"]) for e, v in r["add_process_s"].items()},
    )
    if "search_process_s" in r:
        add(
            "rare-word search, fresh process (s)",
            {e: (_fmt(v, digits=3), v["median"]) for e, v in r["search_process_s"].items()},
        )
    if "no_change_s" in r:
        add(
            "no-change reindex (s)",
            {e: (_fmt(v, digits=3), v["median"]) for e, v in r["no_change_s"].items()},
        )
    return rows


def print_table(r: dict[str, Any]) -> None:
    engines = r["engines"]
    print(f"\nsearchpod at scale — {r['date']} — {r['machine']} — Python {r['python']}")
    print(f"corpus: {r['episodes']} episodes ({min(r['episodes'], r['real_episodes'])} real, "
          f"the rest copies under new ids), {r['corpus_mb']:.1f} MB of transcripts")  # fmt: skip
    print("medians, (min-max) over runs; query rows: p50/p95 over queries of each one's median")
    head = {"searchpod": "searchpod", "fts5": "FTS5", "tantivy": "tantivy"}
    ratios = [e for e in ("fts5", "tantivy") if e in engines]
    print(f"{'':38}" + "".join(f"{head[e]:>22}" for e in engines)
          + "".join(f"{'sp/' + head[e]:>12}" for e in ratios))  # fmt: skip
    for label, cells, values in table_rows(r):
        line = f"{label:38}" + "".join(f"{cells.get(e, '-'):>22}" for e in engines)
        for e in ratios:
            sp, other = values.get("searchpod"), values.get(e)
            line += f"{sp / other:>12.2f}" if sp is not None and other else f"{'-':>12}"
        print(line)
    print(
        f"{'hits without snippets':38}"
        + "".join(f"{r['hits_without_snippets'][e]:>22}" for e in engines)
    )
    print(f"python -c pass: {_fmt(r['python_startup_s'], digits=3)} s")


def main(args: Any) -> None:
    """`run.py --scale N`: the figures as a table, or one JSON object with --json."""
    if not (SHARED_CORPUS / "harmontown").is_dir():
        sys.exit(f"no corpus at {SHARED_CORPUS}")
    quick = args.quick
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    r = run_scale(
        args.scale,
        builds=1 if quick else args.builds,
        repeats=3 if quick else args.repeats,
        queries=5 if quick else 20,
        adds=3 if quick else 10,
        seed=args.seed,
        work=args.out,
        log=log,
    )
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print_table(r)


if __name__ == "__main__":
    # Child processes: `scale.py build ENGINE CORPUS OUT`, `scale.py add ENGINE INDEX FILE`,
    # `scale.py search ENGINE INDEX WORD...` (FTS5 and tantivy).
    sys.path.insert(0, str(BENCH))
    if len(sys.argv) < 4 or sys.argv[1] not in {"build", "add", "search"}:
        sys.exit(
            "usage: scale.py build ENGINE CORPUS OUT | add ENGINE INDEX FILE | search ENGINE"
            " INDEX WORD...\n(run.py --scale N drives these; see `python benchmarks/run.py -h`)"
        )
    verb, engine, a = sys.argv[1:4]
    if verb == "build":
        build_index(engine, Path(a), Path(sys.argv[4]))
    elif verb == "add":
        add_in_child(engine, Path(a), Path(sys.argv[4]))
    else:
        for name, snippet in Engine(engine, Path(a), Path(a)).search(sys.argv[4:]):
            print(name, snippet)
