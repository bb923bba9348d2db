"""Cue times stored per source cue: joined cues round-trip, older indexes still read."""

from __future__ import annotations

import marshal

from searchpod.ingest.cues import merge_cues
from searchpod.ingest.sources import compose_body
from searchpod.model import Cue, Episode
from searchpod.schema import Timing, encode_timing, episode_from_stored


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
