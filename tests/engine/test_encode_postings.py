"""encode_postings (how a body's postings are made for the index) writes exactly the bytes of
the one-token-at-a-time reference it replaced: the on-disk values are a contract."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.engine.fields import TranscriptCharacters

# The one-token-at-a-time encoder encode_postings replaced (the build-equivalence tests use it).
from tests.indexing.test_build_equivalence import reference_postings as _reference_postings

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
    """The on-disk values are a contract: the fast path writes exactly the reference bytes
    (in term order, the order a segment writes them)."""
    from searchpod.engine import fields
    from searchpod.engine.fields import encode_postings

    text = "".join(word + " " * gap for word, gap in pieces)
    assert encode_postings(text) == sorted(_reference_postings(text))
    # Long bodies are encoded in numpy passes, short ones word by word: the same bytes.
    every = fields.ARRAY_ENCODING_FROM
    try:
        fields.ARRAY_ENCODING_FROM = 0
        assert encode_postings(text) == sorted(_reference_postings(text))
        fields.ARRAY_ENCODING_FROM = 10**12
        assert encode_postings(text) == sorted(_reference_postings(text))
    finally:
        fields.ARRAY_ENCODING_FROM = every


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
    assert postings == sorted(_reference_postings(text))
    values = {term: value for term, _, _, value in postings}
    assert TranscriptCharacters().decode_positions(values["twice"]) == [300, 69_990]


def test_encoded_postings_of_more_terms_than_16_bits_number() -> None:
    from searchpod.engine.fields import encode_postings

    # 70,000 different words and a few said often: term numbers past 65,535 (no 16-bit sort).
    words = [f"x{i}" if i % 7 else "echo" for i in range(80_000)]
    text = " ".join(words)
    assert len(set(words)) > 2**16
    assert encode_postings(text) == sorted(_reference_postings(text))
