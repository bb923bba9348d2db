"""Reader isolation under stress: 8 searching threads against a process that keeps rebuilding,
adding and pruning. Every search must succeed and see a state some commit left.

Short by default (CI). The long mode, for measurements:

    SEARCHPOD_STRESS_SECONDS=1200 SEARCHPOD_STRESS_REPORT=stress.json \\
        pytest -q tests/indexing/test_reader_isolation.py

reads real transcripts from ../shared when present (else generated ones) and writes its
counts as JSON to SEARCHPOD_STRESS_REPORT (SEARCHPOD_STRESS_CORPUS=generated: generated
ones anyway; SEARCHPOD_STRESS_EPISODES: how many).
"""

from __future__ import annotations

import collections
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.engine.searchers import KEEP_IDLE
from searchpod.errors import EpisodeNotFoundError
from tests.conftest import CORPUS

SECONDS = float(os.environ.get("SEARCHPOD_STRESS_SECONDS", "20"))
THREADS = 8
# The writer's cycle: every kind of change at least once per turn.
OPS = ["add", "prune", "change", "add", "rebuild", "prune"]
# Readers go on past SECONDS until the writer finished a whole cycle, within this.
MAX_SECONDS = max(SECONDS, 150)
REAL_WORDS = ["community", "dungeons", "pizza", "erin", "comptroller", "zeppelin"]
MADE_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeppelin"]
# A leak would grow with every commit; this is a few times what 8 threads and the idle
# searchers hold at once (each searcher: a few files per segment, plus its commit's pin).
MAX_OPEN_FILES = 40 * (THREADS + KEEP_IDLE) + 64

WRITER = textwrap.dedent(
    """
    import json, random, shutil, sys
    from pathlib import Path
    from searchpod import Index

    index, src, reserve, stop, states = (Path(a) for a in sys.argv[1:6])
    words, ops, batch = sys.argv[6].split(","), sys.argv[7].split(","), int(sys.argv[8])
    rng = random.Random(7)
    ix = Index(index)
    n = 0
    while not stop.exists():
        op = ops[n % len(ops)]
        n += 1
        if op == "add":
            for f in sorted(reserve.iterdir())[:batch]:
                shutil.move(str(f), src / f.name)
        elif op == "prune":
            files = sorted(src.iterdir())
            for f in rng.sample(files, min(batch, len(files) - 1)):
                shutil.move(str(f), reserve / f.name)
        elif op == "change":
            with rng.choice(sorted(src.iterdir())).open("a") as out:
                out.write(f"999000\\t999500\\tzeppelin said at turn {n}\\n")
        ix.add_paths([src], prune=op == "prune", rebuild=op == "rebuild")
        # Only this process writes: what it reads now is what it just committed.
        totals = {w: ix.search(w, limit=1).total for w in words}
        with states.open("a") as out:
            out.write(json.dumps({"op": op, "totals": totals}) + "\\n")
    """
)


def made_episode(number: int) -> str:
    """A Whisper-style TSV transcript whose words depend on ``number``, so totals vary."""
    words = " ".join(["alpha"] + [w for k, w in enumerate(MADE_WORDS[1:5], 2) if number % k == 0])
    lines = [
        f"{s * 7000}\t{s * 7000 + 5000}\tline {s} of episode {number}: {words} talk"
        for s in range(40)
    ]
    return "start\tend\ttext\n" + "\n".join(lines) + "\n"


def sources(folder: Path, episodes: int, reserve: int, real: bool) -> tuple[Path, Path, list[str]]:
    """``src`` with ``episodes`` transcripts and ``spare`` with ``reserve`` more to add."""
    src, spare = folder / "src", folder / "spare"
    src.mkdir(parents=True)
    spare.mkdir()
    if real:
        files = sorted(f for f in CORPUS.glob("*.tsv") if f.stem.isdigit())
        words = REAL_WORDS
        for n, f in enumerate(files[: episodes + reserve]):
            shutil.copy(f, (src if n < episodes else spare) / f.name)
    else:  # ../shared absent: generated transcripts, same shape
        words = MADE_WORDS
        for n in range(episodes + reserve):
            ((src if n < episodes else spare) / f"{n:04d}.tsv").write_text(made_episode(n))
    return src, spare, words


def open_files(pid: int | str = "self") -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_searches_see_only_committed_states_while_another_process_writes(
    tmp_path: Path,
) -> None:
    real = CORPUS.is_dir() and os.environ.get("SEARCHPOD_STRESS_CORPUS") != "generated"
    episodes = int(os.environ.get("SEARCHPOD_STRESS_EPISODES", "12" if real else "40"))
    src, spare, words = sources(tmp_path, episodes, max(6, episodes // 3), real)
    index = tmp_path / "index"
    ix, _ = Index.build(index, [src])
    committed = {w: {ix.search(w, limit=1).total} for w in words}
    ix.close()
    ix = Index(index)
    fds_before = open_files()
    stop, states = tmp_path / "stop", tmp_path / "states.jsonl"
    batch = max(2, episodes // 8)
    args = [index, src, spare, stop, states, ",".join(words), ",".join(OPS), batch]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    lock = threading.Lock()
    seen = {w: collections.Counter[int]() for w in words}
    failures: list[str] = []
    searches = [0]
    started = time.monotonic()

    def cycles_done() -> int:
        try:
            return len(states.read_text().splitlines()) // len(OPS)
        except OSError:
            return 0

    def keep_reading() -> bool:
        elapsed = time.monotonic() - started
        enough = elapsed >= SECONDS and cycles_done() >= 1
        return not enough and elapsed < MAX_SECONDS and writer.poll() is None

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        while keep_reading():
            word = rng.choice(words)
            try:
                results = ix.search(word, limit=5)
                if results.hits and rng.random() < 0.1:
                    # The whole stored episode, columns and all; gone if pruned since.
                    with suppress(EpisodeNotFoundError):
                        ix.get(results.hits[0].id)
            except Exception as exc:
                with lock:
                    searches[0] += 1
                    failures.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                searches[0] += 1
                seen[word][results.total] += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(THREADS)]
    most_fds = [fds_before, 0]
    try:
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            most_fds = [max(most_fds[0], open_files()), max(most_fds[1], open_files(writer.pid))]
            time.sleep(0.05)
    finally:
        stop.touch()
        _, err = writer.communicate(timeout=600)
    elapsed = time.monotonic() - started
    ops = collections.Counter[str]()
    for line in states.read_text().splitlines():
        state = json.loads(line)
        ops[state["op"]] += 1
        for word, total in state["totals"].items():
            committed[word].add(total)
    uncommitted = {
        w: {t: n for t, n in seen[w].items() if t not in committed[w]}
        for w in words
        if any(t not in committed[w] for t in seen[w])
    }
    ix.close()
    fds_after = open_files()
    # Once nobody reads, a run removes every replaced generation and unneeded file.
    Index(index).add_paths([src])
    generations = sorted(p.name for p in index.glob("g[0-9]*"))
    tables = sorted(p.name for p in index.glob("g[0-9]*/_MAIN_*.toc"))
    report = {
        "seconds": round(elapsed, 1),
        "corpus": "real" if real else "generated",
        "episodes": episodes,
        "searches": searches[0],
        "failed": len(failures),
        "failures": collections.Counter(failures).most_common(5),
        "uncommitted": {w: {str(t): n for t, n in v.items()} for w, v in uncommitted.items()},
        "commits": dict(ops),
        "distinct_totals_seen": {w: len(seen[w]) for w in words},
        "open_files_reader": {"before": fds_before, "max": most_fds[0], "after": fds_after},
        "open_files_writer_max": most_fds[1],
        "left_after_a_quiet_run": {"generations": generations, "tables": tables},
    }
    if os.environ.get("SEARCHPOD_STRESS_REPORT"):
        Path(os.environ["SEARCHPOD_STRESS_REPORT"]).write_text(json.dumps(report, indent=2))
    assert writer.returncode == 0, err.decode()[-2000:]
    assert failures == [], report
    assert uncommitted == {}, report
    assert set(ops) == set(OPS), report  # rebuilds, additions, prunes and changes all ran
    assert sum(seen[w].total() for w in words) > 0
    assert most_fds[0] <= MAX_OPEN_FILES and most_fds[1] <= MAX_OPEN_FILES, report
    assert fds_after <= fds_before, report
    assert len(generations) == 1 and len(tables) == 1, report
