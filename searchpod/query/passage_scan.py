"""Every passage holding a query's words, counted at once: which moments to score first.

``moments.rank_passages`` scores passages best first, and gives a moment out only when
nothing unscored can beat it. What it must know of every passage holding a word is the
most that passage can score. Worked out episode by episode in Python, that bound cost a
query of common words most of its time (thousands of episodes, ~10,000 (episode, word)
pairs, each word's offsets mapped to passages in a loop of its own), and a bound from an
episode's counts alone is too loose to skip any: every episode may say all the words in
one passage. Here the same numbers come from a few numpy passes per word over all its
occurrences in every matching episode:

- ``PassageIndex``: every passage start of every episode of a committed state, as one
  sorted array of keys ``(docnum << 32) + start + 1`` (built once per segment from its
  passage tables, and kept while the segment is open);
- ``count_passages``: for each word, the slot of each occurrence (a binary search of its key
  among the passage keys), then how many times the word is said in each slot;
- ``PassageCounts.bounds``: each passage's BM25 (exact, up to the order of a sum) and the
  most its words said together can add, in descending order, a chunk at a time.

A slot is an episode's passage as ``moments.EpisodeWords.numbers`` numbers it: ``raw`` is
``bisect_right`` of an occurrence's start in the passage starts, so raw 0 is before the
first passage (a stop term's occurrences, which have no offsets, are all there) and raw
``i`` is passage ``i - 1``. Episode ``d``'s slots are ``first[d] + d + raw``.

Bounds only decide the order in which passages are scored; every score given out is
worked out exactly by ``moments`` from the passage's own matches, as before.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from searchpod.arrays import run_starts
from searchpod.engine.reader import Postings, Reader, checkpoint
from searchpod.indexing.passages import all_starts

# Bounds are raised by this share, and as much again (``_above``).
_MARGIN = 1e-6
# Passages are put in order of bound this many at a time (more each time): a page needs
# the first few dozen, and sorting all of a common query's ~100,000 passages costs more.
_FIRST_CHUNK = 64


@dataclass(frozen=True, eq=False)  # (hashed by identity: ``_combined``'s keys)
class PassageIndex:
    """Every episode's passage starts, as keys for ``numpy.searchsorted``."""

    keys: Any  # (docnum << 32) + start + 1 of every passage, in docnum then start order
    first: Any  # docnum d's passages are keys[first[d]:first[d + 1]]
    slot_length: Any  # characters of the passage each slot is scored as (see the module)
    complete: Any  # whether each docnum has a passage table

    @functools.cached_property
    def slot_base(self) -> Any:
        """Each docnum's first slot (raw 0): ``first[d] + d``."""
        import numpy as np

        return self.first[:-1] + np.arange(len(self.complete), dtype=np.int64)


def build_index(tables: list[bytes]) -> PassageIndex:
    """The index of one segment's passage tables (by its own docnums)."""
    import numpy as np

    counts, starts, lengths = all_starts(tables)
    n = len(tables)
    first = np.append(run_starts(counts), len(starts))
    doc_of = np.repeat(np.arange(n, dtype=np.int64), counts)
    keys = (doc_of << 32) + starts + 1
    # A passage ends where the next begins, the last of an episode where its body ends.
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    has = counts > 0
    ends[first[1:][has] - 1] = lengths[has]
    slot_length = np.zeros(int(first[-1]) + n, np.int64)
    slot_length[np.arange(len(starts), dtype=np.int64) + doc_of + 1] = ends - starts
    index = PassageIndex(keys, first, slot_length, lengths >= 0)
    # Raw 0 is scored as passage 0 (``max(0, raw - 1)``), or as nothing when there is none.
    base = index.slot_base
    slot_length[base[has]] = slot_length[base[has] + 1]
    return index


def passage_index(reader: Reader) -> PassageIndex:
    """The index of every segment of ``reader``'s committed state, by its docnums."""
    import numpy as np

    parts = tuple(reader.per_segment_tables(build_index))
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    known = _combined.get(parts)
    if known is not None:
        return known
    keys, first, slot_length, complete = [], [np.zeros(1, np.int64)], [], []
    passages = 0
    for offset, part in parts:
        keys.append(part.keys + (offset << 32))
        first.append(part.first[1:] + passages)
        passages += int(part.first[-1])
        slot_length.append(part.slot_length)
        complete.append(part.complete)
    made = PassageIndex(
        np.concatenate(keys),
        np.concatenate(first),
        np.concatenate(slot_length),
        np.concatenate(complete),
    )
    with _combining:  # (queries in other threads may keep one at the same time)
        while len(_combined) >= _COMBINED_KEPT:
            _combined.pop(next(iter(_combined)))
        _combined[parts] = made
    return made


# The last few committed states' indexes of several segments, by their segments' own: a
# state is read by query after query, and putting it together costs a few milliseconds.
_COMBINED_KEPT = 4
_combined: dict[tuple[tuple[int, PassageIndex], ...], PassageIndex] = {}
_combining = threading.Lock()


class PassageCounts:
    """How many times each word is said in each slot holding it (see the module)."""

    def __init__(self, index: PassageIndex, per_term: dict[str, tuple[Any, Any]]) -> None:
        self.index = index
        # Each term's slots holding it (ascending) and its count in each.
        self.per_term = per_term

    def count(self, term: str, slot: int) -> int:
        """How many times ``term`` is said in ``slot``."""
        slots, counts = self.per_term[term]
        i = int(slots.searchsorted(slot))
        return int(counts[i]) if i < len(slots) and slots[i] == slot else 0

    def passages_holding(self, term: str, docnums: Sequence[int]) -> int:
        """How many slots of ``docnums`` hold ``term`` (``len(EpisodeWords.numbers(term))``
        of each, summed)."""
        import numpy as np

        slots = self.per_term[term][0] if term in self.per_term else np.zeros(0, np.int64)
        at = np.asarray(docnums, np.int64)
        base = self.index.slot_base[at]
        ends = self.index.first[at + 1] + at + 1  # past the episode's last slot
        return int((slots.searchsorted(ends) - slots.searchsorted(base)).sum())

    def where(self, slot: int) -> tuple[int, int]:
        """(docnum, raw) of ``slot``."""
        base = self.index.slot_base
        doc = int(base.searchsorted(slot, "right")) - 1
        return doc, slot - int(base[doc])

    def bounds(
        self,
        idf: Mapping[str, float],
        weights: Mapping[str, float],
        wanted: frozenset[str],
        *,
        k1: float,
        flat: float,
        sloped: float,
        query_words: int,
        proximity: float,
    ) -> tuple[int, Iterator[tuple[float, int]]]:
        """How many slots hold a ``wanted`` term, and each such slot's bound with the slot,
        highest first: BM25 over the terms it holds (``k1``; ``flat + sloped * length`` the
        length norm) plus ``proximity`` times the most its terms can add said together,
        in both of ``moments``' windows (``ranking.together_share``'s scale, of their
        ``weights``), as ``moments._Scorer.candidate`` bounds one passage."""
        import numpy as np

        size = len(self.index.slot_length)
        bm25 = np.zeros(size)
        together = np.zeros(size)
        held = np.zeros(size, np.int32)
        wanted_at = np.zeros(size, bool)
        for term, (slots, counts) in self.per_term.items():
            checkpoint()
            f = counts.astype(np.float64)
            norm = flat + sloped * np.maximum(1, self.index.slot_length[slots])
            bm25[slots] += idf[term] * f * (k1 + 1) / (f + norm)
            together[slots] += weights[term]
            held[slots] += 1
            if term in wanted:
                wanted_at[slots] = True
        chosen = np.flatnonzero(wanted_at)
        n = held[chosen]
        scale = np.where(n < 2, 0.0, np.minimum(1.0, (n - 1) / max(1, query_words - 1)))
        bound = bm25[chosen] + proximity * 2 * scale * together[chosen]
        return len(chosen), _descending(_above(bound), chosen)


def _above(bound: Any) -> Any:
    """Bounds a little above ``bound``: no float rounding, in sums taken in another order
    than ``moments``' own, can put one below its passage's exact score."""
    return bound * (1 + _MARGIN) + _MARGIN


def _descending(bound: Any, slots: Any) -> Iterator[tuple[float, int]]:
    """(bound, slot) pairs, highest bound first, sorted a chunk at a time."""
    import numpy as np

    rest = np.arange(len(slots))
    chunk = _FIRST_CHUNK
    while len(rest):
        if len(rest) > chunk:
            part = np.argpartition(-bound[rest], chunk - 1)
            top, rest = rest[part[:chunk]], rest[part[chunk:]]
        else:
            top, rest = rest, rest[:0]
        top = top[np.argsort(-bound[top], kind="stable")]
        yield from zip(bound[top].tolist(), slots[top].tolist(), strict=True)
        chunk *= 4


def count_passages(
    index: PassageIndex, postings: Mapping[str, Postings], docnums: Mapping[str, Sequence[int]]
) -> PassageCounts | None:
    """How many times each term of ``postings`` is said in each slot of the ``docnums``
    given for it (ascending; all read by its postings). None when one of them has no
    passage table or a value cannot be read in bulk: then episode by episode."""
    import numpy as np

    per_term: dict[str, tuple[Any, Any]] = {}
    for term, docs in docnums.items():
        checkpoint()  # a long question's words are many: the query's budget, per word
        read = postings[term].bulk_starts(docs)
        if read is None:
            return None
        counts, starts = read
        at = np.asarray(docs, np.int64)
        if len(at) and not index.complete[at].all():
            return None
        doc_of = np.repeat(at, counts)
        slots = index.keys.searchsorted((doc_of << 32) + starts + 1, "right") + doc_of
        if not len(slots):
            continue
        change = np.flatnonzero(slots[1:] != slots[:-1]) + 1
        begins = np.concatenate(([0], change))
        per_term[term] = (slots[begins], np.diff(np.append(begins, len(slots))))
    return PassageCounts(index, per_term)
