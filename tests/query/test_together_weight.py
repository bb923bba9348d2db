"""ranking.together_weight, rewritten for speed, gives exactly what its first form gave."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.query import ranking
from searchpod.query.snippets import Match


def reference_together_weight(matches, weights, query_words, width=ranking.NEAR_CHARS):
    # The first implementation, kept as the reference: scores must not move by one bit.
    ordered = sorted(matches, key=lambda m: m.start)
    counts: dict[str, int] = {}
    total = best = 0.0
    lo = 0
    for m in ordered:
        if counts.get(m.term, 0) == 0:
            total += weights.get(m.term, 0.0)
        counts[m.term] = counts.get(m.term, 0) + 1
        while m.end - ordered[lo].start > width:
            term = ordered[lo].term
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
                total -= weights.get(term, 0.0)
            lo += 1
        best = max(best, ranking.together_share(total, len(counts), query_words))
    return best


TERMS = ["realli", "good", "pretti", "much", "other"]
matches = st.lists(
    st.builds(
        lambda start, length, term: Match(start // 5, start, start + length, term),
        st.integers(0, 3000),
        st.integers(1, 12),
        st.sampled_from(TERMS),
    ),
    max_size=200,
)
weights = st.dictionaries(
    st.sampled_from(TERMS[:4]), st.floats(0.0, 12.0, allow_nan=False), min_size=1
)


@given(matches, weights, st.integers(1, 6), st.sampled_from([20, 80, ranking.NEAR_CHARS]))
def test_same_as_the_reference_to_the_bit(matches, weights, query_words, width) -> None:
    expected = reference_together_weight(matches, weights, query_words, width)
    assert ranking.together_weight(matches, weights, query_words, width) == expected
