"""The update planner decides add / update / keep / remove from ids and fingerprints alone."""

from __future__ import annotations

from pathlib import Path

from searchpod.indexing.planning import UpdatePlan, plan_updates, stale_ids
from searchpod.ingest.feeds.source import FeedBatch

EXISTING = {
    "shows/a.txt": ("fp-a", "/data/shows/a.txt"),
    "shows/b.txt": ("fp-b", "/data/shows/b.txt"),
    "feed-ep-1": ("fp-1", "https://example.test/feed.xml"),
    "feed-ep-2": ("fp-2", "https://example.test/feed.xml"),
}


def test_new_changed_and_unchanged_episodes() -> None:
    plan = plan_updates(
        EXISTING, [("shows/a.txt", "fp-a"), ("shows/b.txt", "fp-b2"), ("shows/c.txt", "fp-c")]
    )
    assert plan == UpdatePlan(
        add=("shows/c.txt",), update=("shows/b.txt",), unchanged=("shows/a.txt",)
    )
    assert plan.writes("shows/b.txt") and plan.writes("shows/c.txt")
    assert not plan.writes("shows/a.txt")


def test_an_empty_index_adds_everything() -> None:
    plan = plan_updates({}, [("x", "1"), ("y", "2")])
    assert plan.add == ("x", "y") and not plan.update and not plan.unchanged


def test_stale_episodes_are_those_under_the_given_paths_or_dropped_by_their_feed(
    tmp_path: Path,
) -> None:
    shows = tmp_path / "shows"
    shows.mkdir()
    existing = {
        "shows/a.txt": ("fp", str(shows / "a.txt")),
        "shows/gone.txt": ("fp", str(shows / "gone.txt")),
        "elsewhere/z.txt": ("fp", str(tmp_path / "elsewhere" / "z.txt")),
        "feed-ep-1": ("fp", "https://example.test/feed.xml"),
        "feed-ep-2": ("fp", "https://example.test/feed.xml"),
    }

    class Group:
        id = "shows/a.txt"

    feeds = FeedBatch()
    feeds.live["https://example.test/feed.xml"] = {"feed-ep-1"}
    stale = stale_ids(existing, [Group()], [shows], feeds)  # type: ignore[list-item]
    assert sorted(stale) == ["feed-ep-2", "shows/gone.txt"]
