"""Check searchpod's stemmer against NLTK's, the reference: ``python -m searchpod.text.stemcheck``."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from searchpod.text.stemmer import stem


def differences(words: Iterable[str]) -> list[tuple[str, str, str]]:
    """(word, this module's stem, NLTK's stem) for each word where the two differ.

    NLTK stays the reference: ``python -m searchpod.text.stemcheck`` runs this on any words (say, a
    vocabulary in another dialect) before trusting an index built from them.
    """
    from nltk.stem.snowball import SnowballStemmer

    reference = SnowballStemmer("english")
    out = []
    for word in dict.fromkeys(words):
        ours, theirs = stem(word), str(reference.stem(word))
        if ours != theirs:
            out.append((word, ours, theirs))
    return out


def main(argv: list[str] | None = None) -> int:
    """Compare with NLTK the words given as arguments, or those read from stdin."""
    args = sys.argv[1:] if argv is None else argv
    words = [w.lower() for w in (args or sys.stdin.read().split())]
    found = differences(words)
    for word, ours, theirs in found:
        print(f"{word}\tsearchpod {ours}\tnltk {theirs}")
    print(f"{len(dict.fromkeys(words))} words, {len(found)} different from NLTK", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
