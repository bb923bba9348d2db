"""The compact positions+characters format: what is encoded is what is decoded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.engine.fields import TranscriptCharacters


@st.composite
def occurrences(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    # Increasing positions and starts, gaps from tiny to beyond 16 bits, any token length.
    gaps = st.one_of(st.integers(1, 300), st.integers(60_000, 5_000_000))
    count = draw(st.integers(1, 40))
    out, pos, start = [], 0, 0
    for _ in range(count):
        pos += draw(gaps)
        start += draw(gaps)
        out.append((pos, start, start + draw(st.integers(1, 70_000))))
    return out


@given(occurrences())
def test_round_trip(occ: list[tuple[int, int, int]]) -> None:
    fmt = TranscriptCharacters()
    value = fmt.encode(occ)
    assert fmt.decode_characters(value) == occ
    assert fmt.decode_positions(value) == [p for p, _, _ in occ]
    assert fmt.decode_frequency(value) == len(occ)  # read by Whoosh itself from the header


def test_smaller_than_whoosh_pickled_deltas() -> None:
    from whoosh.formats import Characters

    # A common word in a long transcript: every ~40 words, ~200 characters apart.
    occ = [(40 * i, 200 * i, 200 * i + 4) for i in range(1, 2000)]
    assert len(TranscriptCharacters().encode(occ)) < len(Characters().encode(occ))


def test_a_word_said_once_or_twice_is_smaller_than_whoosh_pickle() -> None:
    from whoosh.formats import Characters

    # Most values of an index: one or a few occurrences, far into a transcript.
    for occ in ([(3, 17, 21)], [(9_000, 120_000, 120_011)], [(70_000, 5_000_000, 5_000_300)]):
        value = TranscriptCharacters().encode(occ)
        assert TranscriptCharacters().decode_characters(value) == occ
        assert len(value) <= 18 < len(Characters().encode(occ))
    twice = [(9_000, 120_000, 120_011), (9_400, 122_000, 122_011)]
    assert len(TranscriptCharacters().encode(twice)) < len(Characters().encode(twice)) * 0.6


@given(occurrences())
def test_values_of_older_indexes_still_decode(occ: list[tuple[int, int, int]]) -> None:
    from whoosh.formats import Characters

    # Indexes written before hold Whoosh's pickle for words said fewer than 8 times.
    value = Characters().encode(occ[:7])
    assert TranscriptCharacters().decode_characters(value) == occ[:7]
    assert TranscriptCharacters().decode_positions(value) == [p for p, _, _ in occ[:7]]


@given(occurrences())
def test_starts_and_counts_are_read_without_the_tuples(occ: list[tuple[int, int, int]]) -> None:
    from whoosh.formats import Characters

    # Moments map every occurrence's start to a passage, and bound episodes by counts.
    fmt = TranscriptCharacters()
    for value in (fmt.encode(occ), Characters().encode(occ[:7])):
        spans = fmt.decode_characters(value)
        assert fmt.decode_starts(value) == [s for _, s, _ in spans]
        assert fmt.occurrences(value) == len(spans)
    stop = fmt.encode_positions(occ)  # a stop word's value: positions only
    assert fmt.decode_starts(stop) == [-1] * len(occ)
    assert fmt.occurrences(stop) == len(occ)


@given(st.lists(occurrences(), min_size=1, max_size=6), st.booleans())
def test_counts_of_many_values_at_once(many: list[list[tuple[int, int, int]]], old: bool) -> None:
    from whoosh.formats import Characters

    # A common word's counts in every episode holding it are read in one pass, older
    # (pickled) values among them or not.
    fmt = TranscriptCharacters()
    values = [fmt.encode(occ) for occ in many] + [fmt.encode_positions(many[0])]
    if old:
        values.append(Characters().encode(many[-1][:7]))
    assert fmt.all_occurrences(values) == [fmt.occurrences(v) for v in values]


@given(st.lists(st.tuples(occurrences(), st.sampled_from(["full", "stop", "old"])), max_size=8))
def test_starts_of_many_values_at_once(many: list[tuple[list[tuple[int, int, int]], str]]) -> None:
    from whoosh.formats import Characters

    # Moments decode a common word's starts in every episode holding it in one numpy pass:
    # the same numbers as decoding each value, narrow and wide ones mixed, stop words'
    # values (no starts: -1) among them; a value of an older index makes it say no.
    fmt = TranscriptCharacters()
    encode = {"full": fmt.encode, "stop": fmt.encode_positions}
    values = [encode.get(kind, lambda o: Characters().encode(o[:7]))(occ) for occ, kind in many]
    found = fmt.bulk_starts(values)
    if any(kind == "old" for _, kind in many):
        assert found is None
        return
    assert found is not None
    counts, starts = found
    assert counts.tolist() == [fmt.occurrences(v) for v in values]
    assert starts.tolist() == [s for v in values for s in fmt.decode_starts(v)]
