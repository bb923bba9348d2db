"""Snippet building and highlight formats."""

from __future__ import annotations

import html as htmllib

from hypothesis import given
from hypothesis import strategies as st

from searchpod.model import Snippet
from searchpod.query.snippets import Match, build_snippets
from searchpod.text.analysis import term_postings
from searchpod.text.highlight import format_time, mark


def matches_for(body: str, terms: set[str]) -> list[Match]:
    return [
        Match(pos, s, e, term)
        for term, occ in term_postings(body).items()
        if term in terms
        for pos, s, e in occ
    ]


@given(st.text(min_size=1, max_size=2000), st.sampled_from(["the", "cat", "sat", "on", "mat"]))
def test_highlights_always_lie_inside_their_snippet(noise: str, word: str) -> None:
    body = f"{noise} cat {noise} sat on the mat {noise}"
    for snippet in build_snippets(body, matches_for(body, {"cat", "sat", "mat"})):
        for s, e in snippet.highlights:
            assert 0 <= s < e <= len(snippet.text)
            assert snippet.text[s:e].lower() in {"cat", "sat", "mat"}


def test_best_window_holds_the_most_distinct_terms() -> None:
    filler = "nothing to see here. " * 30
    body = f"apple {filler} apple banana cherry together {filler} cherry"
    first = build_snippets(body, matches_for(body, {"appl", "banana", "cherri"}))[0]
    marked = [first.text[s:e] for s, e in first.highlights]
    assert marked == ["apple", "banana", "cherry"]


def test_snippets_do_not_overlap_and_are_word_aligned() -> None:
    body = (
        " ".join(f"word{i}" for i in range(400)) + " needle " + " ".join("x" * 3 for _ in range(50))
    )
    snippets = build_snippets(body, matches_for(body, {"needl"}))
    assert len(snippets) == 1
    text = snippets[0].text
    assert body.find(text) >= 0
    start = body.find(text)
    assert start == 0 or body[start - 1] == " "
    assert len(text) <= 220


def test_html_escapes_everything_but_mark() -> None:
    snippet = Snippet(text="<script>alert('x')</script> & alert", highlights=((30, 35), (8, 13)))
    out = snippet.html()
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert out.count("<mark>alert</mark>") == 2
    assert htmllib.unescape(out.replace("<mark>", "").replace("</mark>", "")) == snippet.text


def test_plain_markers_and_time_label() -> None:
    snippet = Snippet(
        text="the budget was cut", highlights=((4, 10),), start=755.4, speaker="Felix Grant"
    )
    assert snippet.plain() == "[00:12:35] Felix Grant: the **budget** was cut"
    assert mark("abc", [(0, 1), (0, 2)], "[", "]") == "[a]bc"
    assert format_time(3723) == "[01:02:03]"
