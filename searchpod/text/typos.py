"""Typos: Damerau distance, how many typos a word may hold, and the real words near it.

Rules (as Typesense and Meilisearch have them): a word of 5 or more letters may hold one
typo, a word of 9 or more two; a transposition ("lighthuose") is one typo, not two.
Candidates are surface words of the indexed text, so a suggestion reads as a word, never
as a stem. Pure functions over plain words; the caller checks a word is in the index.
"""

from __future__ import annotations

import string
import time
from collections.abc import Iterable
from dataclasses import dataclass

ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9
# At most this many near words stand in for one typed word: enough for "kirigammi" to find
# "kirigami", too few for a long word to pull in dozens of unrelated ones.
MAX_NEAR = 4
# Looking for near words (of all the words of a query) stops after this long (seconds),
# keeping what it found: the one-typo look-up is a few set probes, the two-typo scan is not.
NEAR_TIME_LIMIT = 0.1
# Near spellings weigh this much of an exact match, so exact matches rank first.
NEAR_BOOST = 0.5

_LETTERS = string.ascii_lowercase


def typo_budget(word: str) -> int:
    """How many typos ``word`` may hold: 0 below 5 letters, 1 from 5, 2 from 9."""
    n = len(word)
    return 2 if n >= TWO_TYPOS_FROM else 1 if n >= ONE_TYPO_FROM else 0


def damerau(a: str, b: str, limit: int = 2) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``.

    The optimal-string-alignment form: each swap counts once. Returns ``limit + 1`` as
    soon as the distance is known to exceed ``limit``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def edits1(word: str) -> set[str]:
    """Every string one edit (a swap included) away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    substitutes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | substitutes | inserts) - {word}


@dataclass(frozen=True)
class Vocabulary:
    """The words of a text, and the same grouped by first letter for the two-typo scan."""

    words: frozenset[str]
    by_initial: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, words: Iterable[str]) -> Vocabulary:
        kept = frozenset(w for w in words if w.isalpha() and w.islower() and len(w) > 1)
        groups: dict[str, list[str]] = {}
        for w in kept:
            groups.setdefault(w[0], []).append(w)
        return cls(kept, {k: tuple(sorted(v)) for k, v in groups.items()})


def near_words(
    word: str,
    vocabulary: Vocabulary,
    *,
    time_limit: float = NEAR_TIME_LIMIT,
) -> list[tuple[str, int]]:
    """Words of ``vocabulary`` within ``word``'s typo budget, as (word, distance), closest first.

    When some word is one typo away, words two typos away are not looked for: the closer
    spelling is almost always the one meant, and the wider net is what floods results.
    The two-typo scan only considers words with the same first letter.
    """
    budget = typo_budget(word)
    if budget == 0:
        return []
    one = sorted(vocabulary.words & edits1(word))
    if one or budget == 1:
        return [(w, 1) for w in one]
    deadline = time.monotonic() + time_limit
    two = []
    for i, candidate in enumerate(vocabulary.by_initial.get(word[0], ())):
        if i % 256 == 0 and time.monotonic() > deadline:
            break
        if abs(len(candidate) - len(word)) <= 2 and damerau(word, candidate, 2) == 2:
            two.append((candidate, 2))
    return two
