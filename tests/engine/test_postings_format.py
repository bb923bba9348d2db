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


def _reference_postings(text: str) -> list[tuple[str, int, float, bytes]]:
    """What encode_postings gave before it was made fast: each term's occurrences from the
    analyser one token at a time, encoded by ``TranscriptCharacters``."""
    from searchpod.text.analysis import is_stop_term, term_postings

    fmt = TranscriptCharacters()
    return [
        (term, 0, float(len(occ)), fmt.encode_positions(occ))
        if is_stop_term(term)
        else (term, len(occ), float(len(occ)), fmt.encode(occ))
        for term, occ in term_postings(text).items()
    ]


_WORDS = st.sampled_from(
    [
        "the",
        "The",
        "of",
        "a",
        "Korea's",
        "don’t",
        "2024",
        "café",
        "İstanbul",
        "東京",
        "lighthouse",
        "keepers",
        "Keepers",
        "x",
        "supercalifragilisticexpialidocious" * 9,
    ]
)
# Gaps between words from one space to beyond 16 bits of characters.
_GAPS = st.one_of(st.integers(1, 3), st.integers(200, 300), st.integers(65_000, 70_000))


@given(st.lists(st.tuples(st.one_of(_WORDS, st.text(max_size=6)), _GAPS), max_size=60))
def test_encoded_postings_are_the_reference_bytes(pieces: list[tuple[str, int]]) -> None:
    """The on-disk values are a contract: the fast path writes exactly the reference bytes."""
    from searchpod.engine.fields import encode_postings

    text = "".join(word + " " * gap for word, gap in pieces)
    assert encode_postings(text) == _reference_postings(text)


def test_encoded_postings_past_16_bit_positions() -> None:
    from searchpod.engine.fields import encode_postings

    # 70,000 words: positions (and offsets) past 65,535, words said once, twice and often.
    words = [f"w{i}" if i % 3 else "echo" for i in range(70_000)]
    words[69_990] = words[300] = "twice"
    words[69_999] = "the"
    # Stop words said once on each side of the 8- and 16-bit boundaries.
    for at, stop in ((255, "of"), (256, "and"), (65_535, "to"), (65_536, "is")):
        words[at] = stop
    text = " ".join(words)
    postings = encode_postings(text)
    assert postings == _reference_postings(text)
    values = {term: value for term, _, _, value in postings}
    assert TranscriptCharacters().decode_positions(values["twice"]) == [300, 69_990]
