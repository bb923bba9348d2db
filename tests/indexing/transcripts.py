"""Timed transcripts for indexing tests: different words in each, so every worker has work."""

from __future__ import annotations

# A timed transcript per episode, different words in each, so every worker has real work.
WORDS = "harbour lantern quarry orchard meadow falcon copper violin glacier saddle".split()


def transcript(n: int) -> str:
    rows = ["start\tend\ttext"]
    for i in range(40):
        word = WORDS[(n + i) % len(WORDS)]
        rows.append(f"{i * 5000}\t{i * 5000 + 4000}\tEpisode {n} line {i} mentions the {word}.")
    rows.append(f"{40 * 5000}\t{40 * 5000 + 4000}\tOnly episode {n} says xylo{n}phone.")
    return "\n".join(rows) + "\n"
