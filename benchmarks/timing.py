"""How close a snippet's time is to the moment its word was said, on real transcripts.

    python benchmarks/timing.py [--corpus ../shared/corpus] [--words 300] [--files 40] [--seed 1]

For random words, each said in exactly one caption/segment of its episode (so the source
cue holding it is known), searches the word and compares the snippet's ``start`` with the
start of that source cue, read straight from the file. Reports |difference| at
p50/p95/max per corpus (pythonbytes WebVTT, harmontown Whisper TSV) and overall; targets
p95 <= 1 s, max <= 5 s. Also shows the same figure for the displayed (joined) cue's start,
which is what snippets carried before times were mapped through the source cues.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
from bisect import bisect_right
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"

from searchpod import Index  # noqa: E402
from searchpod.text.analysis import analyse  # noqa: E402

TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"[A-Za-z]{4,}")


def vtt_cues(path: Path) -> list[tuple[float, str]]:
    """(start, text) of each cue, read independently of searchpod's parser."""
    cues: list[tuple[float, str]] = []
    start: float | None = None
    lines: list[str] = []
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if "-->" in line:
            start, lines = seconds(line.split("-->")[0].split()[-1]), []
        elif not line:
            if start is not None and lines:
                cues.append((start, TAG.sub("", " ".join(lines))))
            start = None
        elif start is not None:
            lines.append(line)
    return cues


def tsv_cues(path: Path) -> list[tuple[float, str]]:
    cues = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t", 2)
        if len(parts) == 3 and parts[0].isdigit():
            cues.append((int(parts[0]) / 1000, parts[2]))
    return cues


def seconds(stamp: str) -> float:
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


def pick_words(
    files: list[Path], reader, rng: random.Random, count: int
) -> list[tuple[Path, str, float]]:
    """(file, word, start of the one source cue saying it), ``count`` of them."""
    by_file = {}
    for f in files:
        cues = reader(f)
        stems: dict[str, set[int]] = {}
        for n, (_, text) in enumerate(cues):
            for s in analyse(text):
                stems.setdefault(s, set()).add(n)
        by_file[f] = (cues, stems)
    picked: list[tuple[Path, str, float]] = []
    tries = 0
    while len(picked) < count and tries < count * 50:
        tries += 1
        f = rng.choice(files)
        cues, stems = by_file[f]
        if not cues:
            continue
        n = rng.randrange(len(cues))
        words = WORD.findall(cues[n][1])
        if not words:
            continue
        word = rng.choice(words)
        analysed = analyse(word)
        if len(analysed) == 1 and stems.get(analysed[0]) == {n}:
            picked.append((f, word, cues[n][0]))
    return picked


def measure(index: Index, root: Path, picked: list[tuple[Path, str, float]]) -> dict:
    errors: list[float] = []
    display_errors: list[float] = []
    missing = 0
    episodes = {}
    for f, word, said in picked:
        episode_id = f"{root.name}/{f.relative_to(root).as_posix()}"
        results = index.search(word, limit=100)
        hit = next((h for h in results.hits if h.id == episode_id), None)
        if hit is None or not hit.snippets or hit.snippets[0].start is None:
            missing += 1
            continue
        snippet = hit.snippets[0]
        errors.append(abs(snippet.start - said))
        # The displayed cue around that moment: its start is what a joined cue would show.
        if episode_id not in episodes:
            episodes[episode_id] = index.get(episode_id).cues
        cues = episodes[episode_id]
        starts = [c.start for c in cues]
        i = max(0, bisect_right(starts, snippet.start) - 1)
        display_errors.append(abs(cues[i].start - said))
    return {
        "_errors": errors,
        "words": len(picked),
        "missing": missing,
        "snippet_start": summary(errors),
        "displayed_cue_start": summary(display_errors),
    }


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max": round(ordered[-1], 3),
        "over_1s": sum(v > 1 for v in ordered),
        "over_5s": sum(v > 5 for v in ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--words", type=int, default=300, help="words in all (split evenly)")
    parser.add_argument("--files", type=int, default=40, help="transcripts per corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets = [
        ("pythonbytes (WebVTT)", args.corpus / "pythonbytes" / "transcripts", "*.vtt", vtt_cues),
        ("harmontown (Whisper TSV)", args.corpus / "harmontown", "[0-9]*.tsv", tsv_cues),
    ]
    sets = [s for s in sets if s[1].is_dir()]
    if not sets:
        sys.exit(f"no corpus under {args.corpus}")
    report: dict = {"seed": args.seed, "corpora": {}}
    all_errors: list[float] = []
    per_set = args.words // len(sets)
    for name, folder, pattern, reader in sets:
        files = sorted(folder.glob(pattern))
        files = sorted(rng.sample(files, min(args.files, len(files))))
        picked = pick_words(files, reader, rng, per_set)
        with tempfile.TemporaryDirectory() as tmp:
            # Only the sampled files, copied into a folder of the corpus's own name.
            root = Path(tmp) / folder.name
            root.mkdir()
            for f in files:
                shutil.copyfile(f, root / f.name)
            index, built = Index.build(Path(tmp) / "ix", [root])
            local = [(root / f.name, w, s) for f, w, s in picked]
            result = measure(index, root, local)
            result["episodes"] = len(built.added)
            result["failed"] = [str(x) for x in built.failed]
            index.close()
        report["corpora"][name] = result
        all_errors.extend(result.pop("_errors", []))
    report["overall"] = summary(all_errors)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"timing accuracy, seed {args.seed}: |snippet start - start of the word's source cue|")
    for name, result in report["corpora"].items():
        print(
            f"  {name}: {result['episodes']} episodes, {result['words']} words, "
            f"{result['missing']} not found"
        )
        for label in ("snippet_start", "displayed_cue_start"):
            s = result[label]
            if s:
                print(
                    f"    {label:20} p50 {s['p50']:.2f} s  p95 {s['p95']:.2f} s  "
                    f"max {s['max']:.2f} s  (>1 s: {s['over_1s']}, >5 s: {s['over_5s']})"
                )
    s = report["overall"]
    print(
        f"  overall ({len(all_errors)} words): p50 {s['p50']:.2f} s  p95 {s['p95']:.2f} s  "
        f"max {s['max']:.2f} s"
    )


if __name__ == "__main__":
    main()
