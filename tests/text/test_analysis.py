"""The analyser: one stem for a word's forms, the same at index and query time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.engine.analyzer import PHRASE_MODE, PodcastAnalyzer
from searchpod.text.analysis import analyse, is_stop_term, stop_term


def test_forms_of_a_word_share_a_stem() -> None:
    assert analyse("defector defectors Defectors DEFECTORS") == ["defector"] * 4


def test_stop_words_dropped_and_accents_folded() -> None:
    assert analyse("The café of the Défectors") == ["cafe", "defector"]


def test_apostrophes_curly_or_straight_agree() -> None:
    assert analyse("Korea’s") == analyse("Korea's")


def test_every_word_holds_a_position_and_chars_point_into_the_text() -> None:
    text = "Keepers of the lighthouse"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in PodcastAnalyzer()(text, positions=True, chars=True)
    ]
    # A query word that is a stop word is dropped, but counts: "lighthouse" is word 3.
    assert [t[0] for t in tokens] == ["keeper", "lighthous"]
    assert [t[1] for t in tokens] == [0, 3]
    assert [text[s:e] for _, _, s, e in tokens] == ["Keepers", "lighthouse"]


def test_indexing_and_quotes_keep_stop_words_as_stop_terms() -> None:
    text = "Keepers of THE lighthouse"
    for mode in ("index", PHRASE_MODE):
        tokens = [(t.text, t.pos) for t in PodcastAnalyzer()(text, positions=True, mode=mode)]
        assert tokens == [("keeper", 0), ("=of", 1), ("=the", 2), ("lighthous", 3)]
    # A stem that spells a stop word is not one: "having" stays apart from the stop word.
    assert stop_term("have") != analyse("having")[0]
    assert is_stop_term(stop_term("The")) and not is_stop_term("have")


@given(st.text(max_size=300))
def test_chars_always_lie_inside_the_text(text: str) -> None:
    for t in PodcastAnalyzer()(text, positions=True, chars=True):
        assert 0 <= t.startchar < t.endchar <= len(text)


@given(st.text(max_size=300))
def test_one_pass_postings_equal_the_analyzer(text: str) -> None:
    """Bodies are indexed by term_postings, queries analysed by PodcastAnalyzer: they must agree."""
    from searchpod.text.analysis import term_postings

    expected: dict[str, list[tuple[int, int, int]]] = {}
    for t in PodcastAnalyzer()(text, positions=True, chars=True, mode="index"):
        expected.setdefault(t.text, []).append((t.pos, t.startchar, t.endchar))
    assert term_postings(text) == expected


# Words that stress the fast path: case, apostrophes (straight, curly, doubled, trailing),
# stop words in any case, digits, accents (precomposed and combining), letters whose
# lowercase has another length ("İ" -> "i̇"), and non-Latin scripts.
_WORDS = st.sampled_from(
    [
        "The",
        "the",
        "THE",
        "of",
        "And",
        "Korea's",
        "Korea’s",
        "don't",
        "rock'n'roll",
        "o''clock",
        "cats'",
        "'tis",
        "2024",
        "3rd",
        "x86_64",
        "Café",
        "Cafe\u0301",
        "İstanbul",
        "Straße",
        "ΣΊΣΥΦΟΣ",
        "東京",
        "naïve",
        "defectors",
        "Defectors",
        "ran",
        "running",
        "a",
    ]
)
_SEPARATORS = st.sampled_from([" ", "  ", ", ", "-", "—", "\n", ". ", "'", " ’ ", "\t", "…"])


@given(st.lists(st.tuples(st.one_of(_WORDS, st.text(max_size=8)), _SEPARATORS), max_size=80))
def test_tokens_fast_path_equals_the_analyzer(pieces: list[tuple[str, str]]) -> None:
    """``tokens`` (which indexing uses) gives PodcastAnalyzer's terms, positions and offsets."""
    from searchpod.text.analysis import term_postings, tokens

    text = "".join(word + sep for word, sep in pieces)
    expected = [
        (t.text, t.startchar, t.endchar - t.startchar)
        for t in PodcastAnalyzer()(text, positions=True, chars=True, mode="index")
    ]
    terms, starts, lengths = tokens(text)
    assert list(zip(terms, starts, lengths, strict=True)) == expected
    # The one-token-at-a-time reference agrees too.
    by_term: dict[str, list[tuple[int, int, int]]] = {}
    for pos, (term, start, length) in enumerate(expected):
        by_term.setdefault(term, []).append((pos, start, start + length))
    assert term_postings(text) == by_term


@given(
    st.lists(
        st.tuples(
            st.one_of(_WORDS, st.text(max_size=8), st.sampled_from(["'", "’", "_", "''"])),
            _SEPARATORS,
        ),
        max_size=80,
    )
)
def test_array_word_spans_equal_the_token_pattern(pieces: list[tuple[str, str]]) -> None:
    """``word_spans`` (long bodies) finds the words ``TOKEN_PATTERN`` finds, where it finds
    them: apostrophes inside and at the edges of words, any script, lone surrogates."""
    from searchpod.text.analysis import TOKEN_PATTERN, word_spans

    text = "".join(word + sep for word, sep in pieces)
    words, starts, lengths = word_spans(text)
    expected = [(m.group(), m.start(), m.end() - m.start()) for m in TOKEN_PATTERN.finditer(text)]
    assert list(zip(words, starts.tolist(), lengths.tolist(), strict=True)) == expected
