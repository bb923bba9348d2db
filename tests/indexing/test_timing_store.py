"""Cue times stored per source cue: joined cues round-trip, older indexes still read."""

from __future__ import annotations

import marshal
import math
import zlib

from hypothesis import given
from hypothesis import strategies as st

from searchpod.indexing.documents import Timing, encode_timing, episode_from_stored
from searchpod.ingest.sources import compose_body
from searchpod.ingest.transcripts.cues import merge_cues
from searchpod.model import Cue, Episode


def test_joined_cues_round_trip_with_each_source_cues_time() -> None:
    cues = (
        *merge_cues(
            [
                Cue("Well", 0.0, 1.0, "Ana"),
                Cue("then,", 1.0, 2.5, "Ana"),
                Cue("yes.", 16.7, 18.0, "Ana"),
            ],
            max_gap=20,
        ),
        Cue("Next.", 30.0, 31.0, "Bo"),
    )
    assert [c.text for c in cues] == ["Well then, yes.", "Next."]
    body = compose_body("Page text.", cues)
    timing = Timing(encode_timing(body, cues))
    assert timing.starts == [0.0, 1.0, 16.7, 30.0]
    assert body[timing.offsets[2] :].startswith("yes.")
    stored = episode_from_stored({"id": "x", "timing": encode_timing(body, cues)}, body)
    assert stored.cues == cues


def test_index_written_before_source_cue_times_still_reads() -> None:
    cues = (Cue("One.", 1.0, 2.0, "Ana"), Cue("Two.", 3.0, 4.0, None))
    body = compose_body("", cues)
    old_blob = marshal.dumps(([0, 5], [1.0, 3.0], [2.0, 4.0], [0, -1], ["Ana"]))
    episode = episode_from_stored({"id": "x", "timing": old_blob}, body)
    assert episode.cues == cues
    assert Timing(old_blob).timed and not Timing(encode_timing("a", (Cue("a"),))).timed


def test_episode_to_dict_shape_is_unchanged() -> None:
    cue = merge_cues([Cue("a", 0, 1), Cue("b.", 1, 2)])[0]
    assert Episode(id="x", title="t", source="s", cues=(cue,)).to_dict()["cues"] == [
        {"start": 0, "end": 2, "speaker": None, "text": "a b."}
    ]


def first_form(body: str, cues: tuple[Cue, ...]) -> Timing:
    """What the marshalled lists of the first form decode to: the reference."""
    compact = marshal.loads(encode_timing(body, cues))
    assert compact[0] == 2, "the compact form"
    old = Timing(encode_timing(body, cues))
    lists = (old.offsets, old.starts, old.ends, old.speaker_ids, old.speakers, old.heads)
    return Timing(marshal.dumps(tuple(list(x) for x in lists)))


times = st.one_of(
    st.none(),
    st.integers(0, 10_000_000).map(lambda ms: ms / 1000),  # caption formats: whole ms
    st.floats(0, 1e6, allow_nan=False),  # anything a JSON file may hold
)


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=12), times, times, st.sampled_from([None, "A", "B"])
        ),
        max_size=30,
    )
)
def test_compact_timing_gives_back_exactly_what_was_stored(
    rows: list[tuple[str, float | None, float | None, str | None]],
) -> None:
    cues = tuple(Cue(text, start, end, speaker) for text, start, end, speaker in rows)
    body = compose_body("Page.", cues)
    timing, reference = Timing(encode_timing(body, cues)), first_form(body, cues)
    for slot in ("offsets", "starts", "ends", "speaker_ids", "speakers", "heads"):
        assert getattr(timing, slot) == getattr(reference, slot), slot
    # Exactly the floats given: 16.7 stays 16.7, not 16.700000000000003.
    assert [t for t in timing.starts if t is not None] == [
        s for s in (piece[1] for c in cues for piece in c.pieces()) if s is not None
    ]


def test_compact_timing_is_far_smaller_once_compressed() -> None:
    # Whoosh compresses stored fields: what counts is the size after zlib. Times as caption
    # files write them, to the millisecond.
    cues = tuple(
        Cue(f"line {i} of a long talk", i * 2345 / 1000, (i * 2345 + 2000) / 1000, "Ana")
        for i in range(3000)
    )
    body = compose_body("", cues)
    compact = encode_timing(body, cues)
    ref = first_form(body, cues)
    lists = (ref.offsets, ref.starts, ref.ends, ref.speaker_ids, ref.speakers, ref.heads)
    lists = tuple(list(x) for x in lists)
    assert len(zlib.compress(compact)) < 0.6 * len(zlib.compress(marshal.dumps(lists)))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["so", "and then", "yes.", "right?", "well,"]),
            st.integers(0, 40),
            st.sampled_from([None, "A", "B"]),
        ),
        max_size=40,
    )
)
def test_joined_cues_store_an_entry_per_source_cue(
    rows: list[tuple[str, int, str | None]],
) -> None:
    """Every source cue of every joined cue keeps its own offset, times and speaker, and
    each displayed cue's first entry is marked."""
    from searchpod.ingest.sources import cue_offsets

    cues = merge_cues(
        [Cue(text, t, t + 1.5, who) for text, t, who in sorted(rows, key=lambda r: r[1])]
    )
    body = compose_body("Page.", cues)
    timing = Timing(encode_timing(body, cues))
    entries = [
        (at + offset, start, end, cue.speaker)
        for cue, at in zip(cues, cue_offsets(body, cues), strict=True)
        for offset, start, end in cue.pieces()
    ]
    stored = zip(
        timing.offsets,
        timing.starts,
        timing.ends,
        map(timing.speaker, range(len(entries))),
        strict=True,
    )
    assert list(stored) == entries
    assert timing.heads == [sum(len(c.pieces()) for c in cues[:i]) for i in range(len(cues))]


_TIME = st.one_of(
    st.integers(0, 10**8).map(lambda ms: ms / 1000),  # caption times: whole milliseconds
    st.integers(2**31, 2**52).map(lambda ms: ms / 1000),  # steps past 32 bits
    st.floats(0, 2e5, allow_nan=False),  # anything else a file may hold
    st.sampled_from([16.7, 0.0005, 0.0015, 2.5e-4, 1e15, 2**53 / 1000, 2**60, -1.0]),
)


@given(
    st.lists(_TIME, min_size=1, max_size=60),
    st.sampled_from([[], [None], [math.inf], [math.nan]]),
    st.integers(0, 60),
)
def test_times_packed_by_arrays_are_the_loops_bytes(
    times: list[float], odd: list[float | None], at: int
) -> None:
    """Long transcripts' times are packed by numpy passes: the same bytes as the loop
    (whole milliseconds as deltas, else floats), and the same errors."""
    from searchpod.indexing import documents

    times = times[:at] + odd + times[at:]
    results = []
    for threshold in (1, 10**9):  # the arrays, then the loop
        saved = documents._ARRAY_TIMES_FROM
        documents._ARRAY_TIMES_FROM = threshold
        try:
            results.append(documents._pack_times(list(times)))
        except (OverflowError, ValueError) as exc:
            results.append(type(exc))
        finally:
            documents._ARRAY_TIMES_FROM = saved
    assert results[0] == results[1]
