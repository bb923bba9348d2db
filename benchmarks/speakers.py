"""Index size on a many-speaker archive: N Markdown transcripts, S distinct speakers.

    python benchmarks/speakers.py [--episodes 2000] [--speakers 1000] [--seed 22] [--json]

Archives of whole shows ship as Markdown (``**Name:** text`` turns, ``[hh:mm:ss]`` marks),
with a guest or two per episode: over years, a thousand names. The speech is real (lines of
../shared/corpus/harmontown, read here and written to a scratch folder only); the names are
made up, S of them, each episode's hosts plus 1-4 guests, turns of 1-4 lines. Reported: the
transcripts' size, the index's size and their ratio, build wall time, and a check that
``--speaker`` finds a guest's words.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the code of this checkout, installed or not
SOURCE = REPO.parent / "shared" / "corpus" / "harmontown"
FIRST = """Ada Ben Cara Dev Eli Fay Gus Hana Ivo Jun Kai Lena Milo Nia Omar Pia Quin Rhea Sol
Tara Uma Vik Wren Xia Yara Zed Abe Bea Cy Dina Ezra Faye Gil Hal Ines Jax Kira Leo Mae Ned""".split()
LAST = """Abara Brook Castell Dunmore Ellery Farrow Gale Hollis Irving Jarrow Kestrel Lorne
Marsh Norcott Orwell Pryce Quarry Rowan Sallow Thorne Upton Vance Wilder Yates Zeller Ashby
Birch Colter Dray Emberly Fenwick Garrow Hatch Ives Juniper Keel Lark""".split()


def lines_of(corpus: Path) -> list[str]:
    out = []
    for path in sorted(corpus.glob("*.tsv")):
        for row in path.read_text(encoding="utf-8").splitlines()[1:]:
            parts = row.split("\t")
            if len(parts) >= 3 and parts[0].isdigit() and parts[2].strip():
                out.append(" ".join(parts[2:]).strip())
    return out


def write_archive(folder: Path, episodes: int, speakers: int, seed: int) -> int:
    """Write the archive; returns its size in bytes."""
    rng = random.Random(seed)
    names = [f"{f} {last}" for f in FIRST for last in LAST]
    rng.shuffle(names)
    if len(names) < speakers:
        sys.exit(f"at most {len(names)} speakers")
    names = names[:speakers]
    hosts, guests = names[:2], names[2:]
    speech = lines_of(SOURCE)
    at = 0
    size = 0
    folder.mkdir(parents=True)
    for n in range(episodes):
        cast = hosts + rng.sample(guests, rng.randint(1, 4))
        parts = [f"# Episode {n + 1}\n"]
        seconds = 0
        for _ in range(rng.randint(150, 350)):
            turn = []
            for _ in range(rng.randint(1, 4)):
                turn.append(speech[at % len(speech)])
                at += 1
            stamp = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            parts.append(f"[{stamp}] **{rng.choice(cast)}:** {' '.join(turn)}\n")
            seconds += rng.randint(10, 60)
        text = "\n".join(parts)
        (folder / f"episode-{n + 1:04d}.md").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--speakers", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not SOURCE.is_dir():
        sys.exit(f"corpus not found: {SOURCE} (the shared corpora live in ../shared/corpus)")
    from searchpod import Index

    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        text = write_archive(archive, args.episodes, args.speakers, args.seed)
        start = time.perf_counter()
        ix = Index.create(Path(tmp) / "ix")
        report = ix.add_paths([archive])
        built = time.perf_counter() - start
        size = dir_size(Path(tmp) / "ix")
        guest = next(p for p in sorted(archive.iterdir()) if p.suffix == ".md")
        _, name, said = guest.read_text(encoding="utf-8").split("**", 3)[:3]
        name = name.rstrip(":")
        word = max(said.split("\n")[0].split(), key=len).strip(".,?!\"'")
        spoken = ix.search(word, speaker=name, limit=1).total
        ix.close()
    result = {
        "episodes": args.episodes,
        "speakers": args.speakers,
        "failed": len(report.failed),
        "text_mb": text / 1e6,
        "index_mb": size / 1e6,
        "ratio": size / text,
        "build_s": built,
        "speaker_check_episodes": spoken,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.episodes} episodes, {args.speakers} speakers: text {text / 1e6:.1f} MB, "
            f"index {size / 1e6:.1f} MB ({size / text:.2f}x), built in {built:.0f} s; "
            f"--speaker {name!r} finds {spoken} episodes"
        )


if __name__ == "__main__":
    main()
