"""The analyser: one stem for a word's forms, the same at index and query time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.engine.analyzer import PodcastAnalyzer
from searchpod.text.analysis import analyse


def test_forms_of_a_word_share_a_stem() -> None:
    assert analyse("defector defectors Defectors DEFECTORS") == ["defector"] * 4


def test_stop_words_dropped_and_accents_folded() -> None:
    assert analyse("The café of the Défectors") == ["cafe", "defector"]


def test_apostrophes_curly_or_straight_agree() -> None:
    assert analyse("Korea’s") == analyse("Korea's")


def test_positions_are_contiguous_and_chars_point_into_the_text() -> None:
    text = "Keepers of the lighthouse"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in PodcastAnalyzer()(text, positions=True, chars=True)
    ]
    assert [t[0] for t in tokens] == ["keeper", "lighthous"]
    assert [t[1] for t in tokens] == [0, 1]  # stop words leave no gap: phrases still match
    assert [text[s:e] for _, _, s, e in tokens] == ["Keepers", "lighthouse"]


@given(st.text(max_size=300))
def test_chars_always_lie_inside_the_text(text: str) -> None:
    for t in PodcastAnalyzer()(text, positions=True, chars=True):
        assert 0 <= t.startchar < t.endchar <= len(text)


@given(st.text(max_size=300))
def test_one_pass_postings_equal_the_analyzer(text: str) -> None:
    """Bodies are indexed by term_postings, queries analysed by PodcastAnalyzer: they must agree."""
    from searchpod.text.analysis import term_postings

    expected: dict[str, list[tuple[int, int, int]]] = {}
    for t in PodcastAnalyzer()(text, positions=True, chars=True):
        expected.setdefault(t.text, []).append((t.pos, t.startchar, t.endchar))
    assert term_postings(text) == expected
