"""Moments: is the first moment the remembered line? searchpod beside SQLite FTS5 per segment.

    python benchmarks/moments.py [--corpus DIR ...] [--queries 200] [--seed 22] [--json]
    python benchmarks/moments.py --scale 1000 --scale 3000 [--scale-dir DIR]   # + latency at N

Per corpus (default ../shared/corpus/harmontown and ../shared/corpus/pythonbytes): 200 random
transcript segments (a TSV row, a VTT cue, a timed-text line) of 8+ words whose text occurs
once in the corpus, drawn with a fixed seed. The query is the segment's 3, 4 or 5 rarest
words (in turn) by episode frequency, skipping stop words and words under 3 letters,
unquoted, in the order spoken. A moment is right when it is from the segment's episode and
starts within 30 s of the segment. Reported: success@1, success@10, MRR@10 and p50/p95
latency (warm, one query at a time; wall and CPU time) of ``Index.moments``, beside SQLite FTS5 holding one row
per segment (porter unicode61, ordered by ``bm25()``), with the words OR'd and AND'd.

With ``--scale N``: the same queries (every corpus's) against one index of N episodes — the
real ones, then renamed copies (``benchmarks/scale.py``'s corpus) — warm, one at a time:
p50/p95/max of ``Index.moments`` (wall and CPU time), queries over the budget of work, and
how many totals were estimates (``total_exact`` false).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the code of this checkout, installed or not
sys.path.insert(1, str(REPO / "benchmarks"))  # scale.py's corpus, for --scale
SHARED = REPO.parent / "shared" / "corpus"
DEFAULT_CORPORA = [SHARED / "harmontown", SHARED / "pythonbytes"]
WITHIN_S = 30.0
TOP = 10
# Function words a person would not remember a line by (plus the fillers of speech).
STOP = set(
    """a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
yeah like know dont thats im right okay well get got gonna really thing things kind mean""".split()
)
TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
VTT_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})\s*-->")
TEXT_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})\s+(.*)$")
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Segment:
    episode: str  # the file stem, which is the stem of searchpod's episode id
    start: float
    text: str


def words_of(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in TOKEN.findall(text)]


def read_tsv(path: Path) -> list[Segment]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0].isdigit():
            out.append(Segment(path.stem, int(parts[0]) / 1000, " ".join(parts[2:]).strip()))
    return out


def read_vtt(path: Path) -> list[Segment]:
    out = []
    start: float | None = None
    lines: list[str] = []
    for line in [*path.read_text(encoding="utf-8", errors="replace").splitlines(), ""]:
        m = VTT_TIME.match(line.strip())
        if m:
            h, mi, s, ms = m.groups()
            start = int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms) / 1000
            lines = []
        elif not line.strip():
            if start is not None and lines:
                out.append(Segment(path.stem, start, TAG.sub("", " ".join(lines)).strip()))
            start, lines = None, []
        elif start is not None:
            lines.append(line.strip())
    return out


def read_timed_text(path: Path) -> list[Segment]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = TEXT_TIME.match(line.strip())
        if m:
            h, mi, s, text = m.groups()
            out.append(Segment(path.stem, int(h or 0) * 3600 + int(mi) * 60 + int(s), text))
    return out


def read_corpus(corpus: Path) -> dict[str, list[Segment]]:
    """Episode stem -> its segments (a VTT beside a timed text of the same stem wins)."""
    episodes: dict[str, list[Segment]] = {}
    for path in sorted(corpus.rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".tsv" and path.name != "episode_list.tsv":
            segments = read_tsv(path)
        elif suffix == ".vtt":
            segments = read_vtt(path)
        elif suffix == ".txt" and not path.with_suffix(".vtt").exists():
            segments = read_timed_text(path)
        else:
            continue
        if segments:
            episodes[path.stem] = segments
    return episodes


def pick_queries(
    episodes: dict[str, list[Segment]], n: int, seed: int
) -> list[tuple[Segment, list[str]]]:
    df: Counter[str] = Counter()
    for segments in episodes.values():
        df.update({w for s in segments for w in words_of(s.text)})
    # Each episode's words in one line, so a segment's text is found across cue boundaries too.
    whole = "\n".join(
        " ".join(w for s in segs for w in words_of(s.text)) for segs in episodes.values()
    )
    segments = [s for segs in episodes.values() for s in segs if len(words_of(s.text)) >= 8]
    rng = random.Random(seed)
    rng.shuffle(segments)
    picked: list[tuple[Segment, list[str]]] = []
    for segment in segments:
        if len(picked) == n:
            break
        words = words_of(segment.text)
        if whole.count(" ".join(words)) != 1:
            continue
        size = 3 + len(picked) % 3
        eligible = sorted(
            {w for w in words if len(w) >= 3 and w not in STOP and w.replace("'", "") not in STOP},
            key=lambda w: (df[w], w),
        )
        if len(eligible) < size:
            continue
        chosen = set(eligible[:size])
        in_order = list(dict.fromkeys(w for w in words if w in chosen))
        picked.append((segment, in_order))
    return picked


def build_fts(episodes: dict[str, list[Segment]]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE VIRTUAL TABLE seg USING fts5(episode UNINDEXED, start UNINDEXED, text, "
        "tokenize='porter unicode61')"
    )
    with con:
        con.executemany(
            "INSERT INTO seg(episode, start, text) VALUES (?, ?, ?)",
            ((s.episode, s.start, s.text) for segs in episodes.values() for s in segs),
        )
    return con


def fts_moments(con: sqlite3.Connection, words: list[str], joiner: str) -> list[tuple[str, float]]:
    match = f" {joiner} ".join('"' + w.replace('"', "") + '"' for w in words)
    rows = con.execute(
        "SELECT episode, start FROM seg WHERE seg MATCH ? ORDER BY bm25(seg) LIMIT ?",
        (match, TOP),
    ).fetchall()
    return [(e, float(s)) for e, s in rows]


def score(found: list[list[tuple[str, float | None]]], asked: list[Segment]) -> dict[str, float]:
    at1 = at10 = rr = 0.0
    for got, want in zip(found, asked, strict=True):
        for rank, (episode, start) in enumerate(got[:TOP], 1):
            if (
                episode == want.episode
                and start is not None
                and abs(start - want.start) <= WITHIN_S
            ):
                at1 += rank == 1
                at10 += 1
                rr += 1 / rank
                break
    n = max(1, len(asked))
    return {"success_at_1": at1 / n, "success_at_10": at10 / n, "mrr": rr / n}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def latency(times: list[float]) -> dict[str, float]:
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * pct(times, 0.95)}


def run_corpus(corpus: Path, args: argparse.Namespace, work: Path) -> dict:
    from searchpod import Index

    episodes = read_corpus(corpus)
    queries = pick_queries(episodes, args.queries, args.seed)
    ix_path = work / corpus.name
    if args.index_dir and (ix_path / "CURRENT").is_file():  # a whole index, kept before
        ix = Index(ix_path)
    else:
        start = time.perf_counter()
        ix = Index.create(ix_path)
        ix.add_paths([corpus])
        print(f"{corpus.name}: built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    con = build_fts(episodes)

    def ours(q: str) -> list[tuple[str, float | None]]:
        return [(Path(m.id).stem, m.start) for m in ix.moments(q, limit=TOP).moments]

    for _, words in queries[:5]:  # warm: files opened, caches filled
        ours(" ".join(words))
    rows: dict[str, dict] = {}
    engines = {
        "searchpod moments": ours,
        "FTS5 per segment, OR": lambda q: fts_moments(con, q.split(), "OR"),
        "FTS5 per segment, AND": lambda q: fts_moments(con, q.split(), "AND"),
    }
    for name, engine in engines.items():
        found, times, cpu = [], [], []
        for _, words in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            found.append(engine(" ".join(words)))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        # CPU time beside wall time: on a shared machine the wall clock counts the waits.
        cpu_ms = {f"cpu_{k}": v for k, v in latency(cpu).items()}
        rows[name] = score(found, [s for s, _ in queries]) | latency(times) | cpu_ms
        if name == "searchpod moments":
            by_size: dict[int, list] = {}
            for (seg, words), got in zip(queries, found, strict=True):
                by_size.setdefault(len(words), []).append((got, seg))
            rows[name]["success_at_1_by_words"] = {
                n: score([g for g, _ in v], [s for _, s in v])["success_at_1"]
                for n, v in sorted(by_size.items())
            }
    ix.close()
    con.close()
    return {"corpus": corpus.name, "episodes": len(episodes), "queries": len(queries), "rows": rows}


def run_scale(n: int, queries: list[str], work: Path) -> dict:
    """Moments latency on an index of ``n`` episodes (built once under ``work``)."""
    import scale

    from searchpod import Index, QueryError

    ix_path = work / f"moments-s{n}" / "index"
    if not (ix_path / "CURRENT").is_file():  # none yet, or a run was stopped mid-build
        corpus = work / f"moments-s{n}" / "corpus"
        scale.build_corpus(n, corpus)
        start = time.perf_counter()
        Index.create(ix_path).add_paths([corpus])
        print(f"{n} episodes: built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    ix = Index(ix_path)
    for q in queries[:10]:  # warm: files opened, caches filled
        ix.moments(q, limit=TOP)
    times, cpu = [], []
    over_budget = estimated = 0
    for q in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            estimated += not ix.moments(q, limit=TOP).total_exact
        except QueryError:
            over_budget += 1
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    ix.close()
    return (
        {
            "episodes": n,
            "queries": len(queries),
            "over_budget": over_budget,
            "estimated_totals": estimated,
            "max_ms": 1000 * max(times, default=0.0),
            "cpu_max_ms": 1000 * max(cpu, default=0.0),
        }
        | latency(times)
        | {f"cpu_{k}": v for k, v in latency(cpu).items()}
    )


def print_scale(rows: list[dict]) -> None:
    print("\nsearchpod moments, warm, the queries of every corpus above, one index of N episodes")
    print(
        f"{'episodes':>9}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'CPU p50':>9}{'CPU p95':>9}{'CPU max':>9}{'estimated':>11}{'over budget':>13}"
    )
    for r in rows:
        print(
            f"{r['episodes']:>9}{r['queries']:>9}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
            f"{r['max_ms']:>9.1f}{r['cpu_p50_ms']:>9.1f}{r['cpu_p95_ms']:>9.1f}"
            f"{r['cpu_max_ms']:>9.1f}{r['estimated_totals']:>11}{r['over_budget']:>13}"
        )


def print_table(result: dict) -> None:
    print(f"\n{result['corpus']}: {result['queries']} queries over {result['episodes']} episodes")
    print(
        f"{'':26}{'success@1':>10}{'@10':>7}{'MRR':>7}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'CPU p50':>9}{'CPU p95':>9}"
    )
    for name, r in result["rows"].items():
        print(
            f"{name:26}{r['success_at_1']:>10.3f}{r['success_at_10']:>7.3f}{r['mrr']:>7.3f}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['cpu_p50_ms']:>9.1f}{r['cpu_p95_ms']:>9.1f}"
        )
    by_words = result["rows"]["searchpod moments"]["success_at_1_by_words"]
    print(
        "searchpod success@1 by query words: "
        + ", ".join(f"{n}: {v:.2f}" for n, v in by_words.items())
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", help="a corpus folder (repeatable)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--index-dir", type=Path, help="keep (and reuse) the built indexes here")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--scale",
        type=int,
        action="append",
        metavar="N",
        help="also time moments on an index of N episodes (repeatable)",
    )
    ap.add_argument("--scale-dir", type=Path, help="keep (and reuse) the N-episode indexes here")
    args = ap.parse_args()
    corpora = args.corpus or DEFAULT_CORPORA
    missing = [c for c in corpora if not c.is_dir()]
    if missing:
        sys.exit(f"corpus not found: {missing[0]} (the shared corpora live in ../shared/corpus)")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.index_dir or Path(tmp)
        results = [run_corpus(c, args, work) for c in corpora]
        queries = [
            " ".join(words)
            for c in corpora
            for _, words in pick_queries(read_corpus(c), args.queries, args.seed)
        ]
        scaled = [run_scale(n, queries, args.scale_dir or Path(tmp)) for n in args.scale or []]
    if args.json:
        print(json.dumps(results + ([{"scale": scaled}] if scaled else []), indent=2))
    else:
        for result in results:
            print_table(result)
        if scaled:
            print_scale(scaled)


if __name__ == "__main__":
    main()
