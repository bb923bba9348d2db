"""Fresh-process start-up: cold `searchpod search` and a fresh `searchpod index` adding one episode.

    python benchmarks/startup.py --index IX --corpus CORPUS [--before SRC] [--fts5 DB] [--runs 9]
    python benchmarks/startup.py --build CORPUS --before SRC [--runs 3]
    python benchmarks/startup.py --stems [--runs 7]

IX must be an index of CORPUS (the 3,000-episode one of ``run.py --scale 3000``, say), both
copies this script may add episodes to. Each round runs, in turn, ``python -c pass`` (the
floor), a cold ``searchpod search "really good"`` and a cold rare-word search, and a fresh
``searchpod index --index IX CORPUS`` after copying one new transcript into CORPUS (as
``run.py --scale`` does); with ``--before SRC`` (a checkout of other code, e.g. ``git archive
main | tar -x -C SRC``) each is run with that code too, alternating which goes first; with
``--fts5 DB`` (built by ``scale.py build fts5 CORPUS DB``), a cold FTS5 query process
beside. Reports wall-time medians with their range, and CPU (user + system) medians.

``--build CORPUS``: full builds of CORPUS (~300 episodes is enough), this code and
``--before``'s taking turns: CPU of the whole process tree (workers included) and wall time.

``--stems``: microseconds per word of ``searchpod.text.stemmer`` and NLTK's Snowball stemmer over
the distinct words of ../shared/corpus that the analyser stems (medians of ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Not from the checkout: `python -m` puts the working folder first on sys.path, ahead of
    # PYTHONPATH, and the "before" code would silently be this checkout's.
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def startup(args: argparse.Namespace) -> None:
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    variants = {"this": str(REPO)}
    if args.before:
        variants = {"before": str(args.before), **variants}
    envs = {}
    for name, src in variants.items():
        env = dict(base_env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, base_env.get("PYTHONPATH")]))
        envs[name] = env
    py = sys.executable
    search = [py, "-m", "searchpod.frontends.cli", "--index", str(args.index), "search"]
    commands: dict[str, list[str]] = {
        "search 'really good'": [*search, "really good"],
        f"search {args.rare!r}": [*search, args.rare],
    }
    sources = sorted(p for p in SHARED_CORPUS.rglob("*") if p.suffix in (".tsv", ".vtt"))
    made = 0

    def add_one(name: str) -> tuple[float, float]:
        nonlocal made
        source = sources[made % len(sources)]
        text = source.read_text(encoding="utf-8")
        # A word no earlier run added either: a new episode brings words the index lacks.
        word = f"startupword{os.getpid()}x{made}zz"
        if source.suffix == ".tsv":
            text += f"0\t1\t{word}\n"
        else:
            text += f"\n99:00:00.000 --> 99:00:01.000\n{word}\n"
        (args.corpus / f"zz-startup-{os.getpid()}-{made}-{source.name}").write_text(text, "utf-8")
        made += 1
        return run_child(
            [
                py,
                "-m",
                "searchpod.frontends.cli",
                "--index",
                str(args.index),
                "index",
                str(args.corpus),
            ],
            envs[name],
        )

    # Bytecode caches written first, as `pip install` would have; and a no-change run, so the
    # measured runs do not hash files whose signatures were too fresh to trust.
    for name in variants:
        for cmd in commands.values():
            run_child(cmd, envs[name])
    run_child([py, "-m", "searchpod.frontends.cli", "--index", str(args.index), "index", str(args.corpus)],
              envs["this"])  # fmt: skip

    wall: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}

    def record(key: tuple[str, str], measured: tuple[float, float]) -> None:
        wall.setdefault(key, []).append(measured[0])
        cpu.setdefault(key, []).append(measured[1])

    for round_ in range(args.runs):
        record(("python -c pass", ""), run_child([py, "-c", "pass"], base_env))
        if args.fts5:
            fts = [py, str(BENCH / "scale.py"), "search", "fts5", str(args.fts5)]
            record(("FTS5 'really good'", ""), run_child([*fts, "really", "good"], base_env))
            record((f"FTS5 {args.rare!r}", ""), run_child([*fts, args.rare], base_env))
        order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
        for name in order:
            for label, cmd in commands.items():
                record((label, name), run_child(cmd, envs[name]))
            record(("index: add one episode", name), add_one(name))

    print(f"{args.runs} rounds, variants taking turns; wall s median (range); CPU s median")
    for (label, name), values in wall.items():
        cpu_median = statistics.median(cpu[(label, name)])
        print(f"  {label:28} {name:7} {spread(values):>24}   cpu {cpu_median:.3f}")


def builds(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(BENCH))
    from scale import run_measured

    os.chdir(tempfile.gettempdir())  # see run_child
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    variants = {"this": str(REPO)}
    if args.before:
        variants = {"before": str(args.before), **variants}
    out: dict[str, dict[str, list[float]]] = {name: {} for name in variants}
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.runs):
            order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
            for name in order:
                index = Path(work) / f"ix-{name}-{round_}"
                cmd = [
                    sys.executable,
                    "-m",
                    "searchpod.frontends.cli",
                    "--index",
                    str(index),
                    "index",
                ]
                measured = run_measured(
                    [*cmd, str(args.build)], {**env, "PYTHONPATH": variants[name]}
                )
                for key, value in measured.items():
                    out[name].setdefault(key, []).append(value)
    print(f"full builds of {args.build}, {args.runs} each, taking turns; median (range)")
    for name, measured in out.items():
        print(
            f"  {name:7} CPU s {spread(measured['cpu_s'])}  wall s {spread(measured['wall_s'])}"
            f"  peak RSS MB {spread(measured['peak_rss_mb'])}"
        )


def stems(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO))
    from nltk.stem.snowball import SnowballStemmer

    from searchpod.text.analysis import TOKEN_PATTERN, is_stop, normalise
    from searchpod.text.stemmer import stem

    chunks: set[str] = set()
    for path in SHARED_CORPUS.rglob("*"):
        if path.is_file():
            chunks.update(path.read_text(encoding="utf-8", errors="replace").split())
    words = {normalise(w) for chunk in chunks for w in TOKEN_PATTERN.findall(chunk)}
    # What the analyser hands the stemmer: no stop words, numbers or words under 3 letters.
    vocab = sorted(w for w in words if len(w) >= 3 and not w.isdigit() and not is_stop(w))
    stemmers = {"nltk": SnowballStemmer("english").stem, "searchpod.text.stemmer": stem}
    per_word: dict[str, list[float]] = {name: [] for name in stemmers}
    for _ in range(args.runs):
        for name, fn in stemmers.items():
            start = time.perf_counter()
            for word in vocab:
                fn(word)
            per_word[name].append((time.perf_counter() - start) / len(vocab) * 1e6)
    print(f"{len(vocab)} distinct words of {SHARED_CORPUS}; µs per word, median (range)")
    for name, values in per_word.items():
        print(f"  {name:18} {spread(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--before", type=Path, help="source folder of code to compare with")
    parser.add_argument("--fts5", type=Path, help="an FTS5 database of the same corpus")
    parser.add_argument("--rare", default="zeppelin", help="the rare-word query")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--stems", action="store_true", help="stemmer speed per word instead")
    parser.add_argument("--build", type=Path, help="full builds of this corpus instead")
    args = parser.parse_args()
    if args.stems:
        stems(args)
    elif args.build:
        builds(args)
    elif args.index and args.corpus:
        startup(args)
    else:
        parser.error("give --index and --corpus (or --stems)")


if __name__ == "__main__":
    main()
