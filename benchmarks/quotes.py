"""Quoted lines and near spellings on real transcripts, searchpod beside SQLite FTS5, one run.

    python benchmarks/quotes.py                     # ../shared/corpus harmontown + pythonbytes
    python benchmarks/quotes.py --work /tmp/qb      # keep (and reuse) the index and FTS5 table

- **Quoted lines**: ``--quotes`` word sequences of 4-6 words, at least two of them stop words
  (a general English list, not searchpod's), each said exactly once in the whole corpus and
  within one caption/segment, drawn with a fixed seed; searched in double quotes. Right: the
  first hit is the episode, with a snippet starting within 30 s of the segment. Beside it,
  FTS5 (``porter unicode61``, one row per segment) with the same phrase: its first row is the
  episode and segment within 30 s. Transcripts are read by this file's own minimal readers.
- **Known items with near spellings**: the 4 rarest words of random lines (at least 8
  words), clean and with one typo (two neighbouring letters swapped, or one dropped, in a
  word of 5 or more letters): success@1 with and without ``fuzzy=True``, and how often the
  automatic near-word retry ran.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The same readers of the real transcripts as the timing benchmark.
from timing import tsv_cues, vtt_cues  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
TOKEN = re.compile(r"\w+(?:['’]\w+)*")
# A general English stop list (as NLTK's / Lucene's), independent of searchpod's own.
STOP = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
himself she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did doing a an
the and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then once
here there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now""".split()
)


def words(text):
    return [w.lower().replace("’", "'") for w in TOKEN.findall(text)]


def corpus(work):
    """Copy the two corpora into work/corpus; (episode id -> cues) read by our own readers."""
    root = work / "corpus"
    eps = {}
    for name, pattern, reader in (
        ("harmontown", "*.tsv", tsv_cues),
        ("pythonbytes", "*.vtt", vtt_cues),
    ):
        src = SHARED / name
        dst = root / name
        files = sorted(f for f in src.rglob(pattern) if f.name != "episode_list.tsv")
        for f in files:
            out = dst / f.relative_to(src)
            if not out.exists():
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, out)
            eps[f"{name}/{f.relative_to(src).as_posix()}"] = reader(f)
    return root, eps


def draw_quotes(eps, rng, n):
    flat = {
        e: [(w, i) for i, (_, t) in enumerate(cues) for w in words(t)] for e, cues in eps.items()
    }
    counts = Counter()
    for seq in flat.values():
        ws = [w for w, _ in seq]
        for k in (4, 5, 6):
            for i in range(len(ws) - k + 1):
                counts[tuple(ws[i : i + k])] += 1
    names = sorted(flat)
    out, seen = [], set()
    while len(out) < n:
        e = rng.choice(names)
        seq = flat[e]
        if len(seq) < 10:
            continue
        k = rng.choice((4, 5, 6))
        i = rng.randrange(len(seq) - k)
        part = seq[i : i + k]
        ws = tuple(w for w, _ in part)
        if part[0][1] != part[-1][1]:  # within one cue: its time is known
            continue
        if not all(w.replace("'", "").isalpha() and w.isascii() for w in ws):
            continue  # numbers ("14th") and other scripts: tokenised differently by engines
        if sum(w in STOP for w in ws) < 2 or counts[ws] != 1 or ws in seen:
            continue
        seen.add(ws)
        out.append((e, " ".join(ws), eps[e][part[0][1]][0]))
    return out


def typo(word, rng):
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--work", type=Path, default=None, help="keep built indexes here, reuse them")
    ap.add_argument("--quotes", type=int, default=100)
    ap.add_argument("--known", type=int, default=100)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--show-misses", action="store_true")
    a = ap.parse_args()
    if not (SHARED / "harmontown").is_dir() or not (SHARED / "pythonbytes").is_dir():
        sys.exit(f"no transcripts at {SHARED}/harmontown and pythonbytes")
    a.work = a.work or Path(tempfile.mkdtemp(prefix="searchpod-quotes-"))
    a.work.mkdir(parents=True, exist_ok=True)
    from searchpod import Index

    root, eps = corpus(a.work)
    ix_path = a.work / "ix"
    if not (ix_path / "CURRENT").is_file():  # none yet, or a run was stopped mid-build
        t0 = time.perf_counter()
        Index.build(ix_path, [root / "harmontown", root / "pythonbytes"])
        print(f"built {len(eps)} episodes in {time.perf_counter() - t0:.0f} s")
    size = sum(f.stat().st_size for f in ix_path.rglob("*") if f.is_file())
    print(f"index size {size / 1e6:.1f} MB")
    ix = Index(ix_path)
    db = a.work / "segments.db"
    if not db.exists():
        con = sqlite3.connect(db)
        con.execute(
            "CREATE VIRTUAL TABLE s USING fts5(ep UNINDEXED, start UNINDEXED, text, tokenize='porter unicode61')"
        )
        con.executemany(
            "INSERT INTO s VALUES (?,?,?)", ((e, s, t) for e, cues in eps.items() for s, t in cues)
        )
        con.commit()
        con.close()
    con = sqlite3.connect(db)
    rng = random.Random(a.seed)
    quotes = draw_quotes(eps, rng, a.quotes)
    sp_ok = sp_first = ft_ok = 0
    sp_t, ft_t, misses = [], [], []
    for e, line, said in quotes:
        t0 = time.perf_counter()
        res = ix.search(f'"{line}"', limit=10)
        sp_t.append(time.perf_counter() - t0)
        hit = res.hits[0] if res.hits else None
        good = hit is not None and hit.id == e
        near = good and any(s.start is not None and abs(s.start - said) <= 30 for s in hit.snippets)
        first = (
            good
            and hit.snippets
            and hit.snippets[0].start is not None
            and abs(hit.snippets[0].start - said) <= 30
        )
        sp_ok += near
        sp_first += bool(first)
        if not near:
            misses.append((line, e, hit.id if hit else None, res.total))
        t0 = time.perf_counter()
        row = con.execute(
            "SELECT ep, start FROM s WHERE s MATCH ? ORDER BY bm25(s) LIMIT 1",
            ('"' + line.replace('"', "") + '"',),
        ).fetchone()
        ft_t.append(time.perf_counter() - t0)
        ft_ok += bool(row and row[0] == e and abs(row[1] - said) <= 30)
    n = len(quotes)
    print(f"\nQuoted lines ({n}, 4-6 words, >=2 stop words, each said once; seed {a.seed})")
    print(
        f"searchpod: first hit right with a snippet within 30 s {sp_ok}/{n} (first snippet {sp_first}/{n}); "
        f"p50 {1000 * statistics.median(sp_t):.1f} ms p95 {1000 * sorted(sp_t)[int(0.95 * n)]:.1f} ms"
    )
    print(
        f"fts5 (one row per segment): first row right within 30 s {ft_ok}/{n}; "
        f"p50 {1000 * statistics.median(ft_t):.1f} ms p95 {1000 * sorted(ft_t)[int(0.95 * n)]:.1f} ms"
    )
    if a.show_misses:
        for m in misses:
            print("  miss:", m)

    # Known items: the 4 rarest words of random lines; clean and with one typo; fuzzy off/on.
    df = Counter()
    for cues in eps.values():
        df.update({w for _, t in cues for w in words(t)})
    lines = [(e, s, t) for e, cues in eps.items() for s, t in cues if len(words(t)) >= 8]
    rng = random.Random(a.seed + 1)
    asked = []
    for e, _, t in rng.sample(lines, len(lines)):
        ws = sorted(
            {w for w in words(t) if w.isalpha() and len(w) >= 4} - STOP, key=lambda w: (df[w], w)
        )[:4]
        if len(ws) < 4:
            continue
        long = [i for i, w in enumerate(ws) if len(w) >= 5]
        if not long:
            continue
        j = rng.choice(long)
        typed = list(ws)
        typed[j] = typo(ws[j], rng)
        asked.append((e, " ".join(ws), " ".join(typed)))
        if len(asked) >= a.known:
            break
    print(
        f"\nKnown items ({len(asked)}: 4 rarest words of a line; one typo in a word of >= 5 letters)"
    )
    print(f"{'':22}{'success@1':>10}{'retried':>9}")
    for label, idx, fuzzy in (
        ("clean", 1, False),
        ("clean, fuzzy=True", 1, True),
        ("one typo", 2, False),
        ("one typo, fuzzy=True", 2, True),
    ):
        ok = retried = 0
        for item in asked:
            res = ix.search(item[idx], fuzzy=fuzzy)
            ok += bool(res.hits and res.hits[0].id == item[0])
            retried += bool(res.fuzzy and not fuzzy)
        print(f"{label:22}{ok / len(asked):>10.3f}{retried:>9}")
    ix.close()


if __name__ == "__main__":
    main()
