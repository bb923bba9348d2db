"""Passages: how an episode's text is cut into the units moments are ranked by."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchpod.indexing.passages import (
    PASSAGE_CHARS,
    PASSAGE_SECONDS,
    Passages,
    cut_passages,
    decode_passages,
    encode_passages,
)
from searchpod.ingest.sources import compose_body
from searchpod.model import Cue


def _texts(body: str, passages: Passages) -> list[str]:
    return [" ".join(body[slice(*passages.bounds(i))].split()) for i in range(len(passages.starts))]


def test_a_passage_is_one_speakers_turn():
    cues = (
        Cue("Welcome to the show.", 0.0, 3.0, "Ann"),
        Cue("Glad to be here.", 3.0, 5.0, "Bo"),
        Cue("Tell us about lamps.", 5.0, 8.0, "Ann"),
        Cue("They burned oil.", 8.0, 10.0, "Ann"),
    )
    body = compose_body("", cues)
    passages = cut_passages(body, cues)
    assert _texts(body, passages) == [
        "Welcome to the show.",
        "Glad to be here.",
        "Tell us about lamps. They burned oil.",
    ]
    assert [passages.speaker(i) for i in range(3)] == ["Ann", "Bo", "Ann"]


def test_a_long_turn_is_cut_about_every_thirty_seconds_at_cue_starts():
    cues = tuple(Cue(f"Line {n} of the talk.", n * 4.0, n * 4.0 + 4, None) for n in range(30))
    body = compose_body("", cues)
    passages = cut_passages(body, cues)
    texts = _texts(body, passages)
    assert texts[0].startswith("Line 0 ") and texts[1].startswith(
        f"Line {int(PASSAGE_SECONDS // 4) + 1} "
    )
    assert all(t.startswith("Line ") for t in texts)  # never inside a cue
    assert len(texts) == 4
    assert passages.speaker(0) is None


def test_untimed_text_is_cut_into_pieces_of_about_passage_chars_at_sentences():
    body = " ".join(f"Sentence number {n} says a little more here." for n in range(60))
    passages = cut_passages(body, ())
    texts = _texts(body, passages)
    assert all(PASSAGE_CHARS // 2 <= len(t) <= PASSAGE_CHARS * 2 for t in texts[:-1])
    assert all(t.endswith(".") for t in texts)
    assert " ".join(texts) == body


def test_a_page_before_its_transcript_has_its_own_passages():
    cues = (Cue("Hello there.", 1.0, 2.0, "Ann"),)
    body = compose_body("The page's own notes.", cues)
    passages = cut_passages(body, cues)
    assert _texts(body, passages) == ["The page's own notes.", "Hello there."]
    assert [passages.speaker(0), passages.speaker(1)] == [None, "Ann"]


cue = st.builds(
    Cue,
    text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    start=st.one_of(st.none(), st.floats(0, 10_000)),
    speaker=st.sampled_from([None, "Ann", "Bo"]),
)


@given(page=st.text(max_size=2000), cues=st.lists(cue, max_size=40))
def test_passages_cover_the_body_in_order_and_survive_storing(page, cues):
    cues = tuple(cues)
    body = compose_body(page, cues)
    passages = cut_passages(body, cues)
    starts = list(passages.starts)
    assert starts == sorted(set(starts))
    assert not body or starts[0] == 0 or not body[: starts[0]].strip()
    assert all(0 <= s < max(1, len(body)) for s in starts)
    assert decode_passages(encode_passages(passages)) == passages
