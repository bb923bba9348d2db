"""The catalogue: every episode for browsing, with its length and words, kept per commit."""

from __future__ import annotations

import pytest

from searchpod import Index
from searchpod.errors import OptionError
from tests.serve_helpers import write_show


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("catalogue")
    write_show(root / "show")
    return Index.build(root / "index", [root / "show"])[0]


def test_every_episode_newest_first_with_its_length_and_words(index):
    catalogue = index.catalogue()
    assert [e.id for e in catalogue.episodes] == [
        "show/ep-3.txt",
        "show/ep-2.html",
        "show/ep-1.txt",
    ]
    first = catalogue.episodes[-1]
    assert (first.title, first.show, first.episode) == (
        "Eps 1: Lighthouse keepers of the north",
        "Harbour Lights",
        1,
    )
    assert first.published.isoformat() == "2021-03-14"
    assert first.seconds == 245.0  # the last line ends at 4:05
    assert first.words == len(index.get("show/ep-1.txt").body.split())
    assert catalogue.seconds == sum(e.seconds or 0 for e in catalogue.episodes)
    assert catalogue.words == sum(e.words for e in catalogue.episodes)
    assert catalogue.shows == {"Deep Water": 1, "Harbour Lights": 2}
    assert catalogue.to_dict()["episodes"][0]["id"] == "show/ep-3.txt"


def test_select_by_show_and_episode_range_in_either_order(index):
    catalogue = index.catalogue()
    assert [e.episode for e in catalogue.select(show="Harbour Lights")] == [2, 1]
    assert [e.episode for e in catalogue.select(show="Harbour Lights", oldest=True)] == [1, 2]
    assert [e.episode for e in catalogue.select(episodes="2..")] == [3, 2]
    assert catalogue.select(show="harbour lights") == []  # a show's exact name
    with pytest.raises(OptionError):
        catalogue.select(episodes="two")


def test_kept_until_the_next_commit(tmp_path):
    write_show(tmp_path / "show")
    index = Index.build(tmp_path / "index", [tmp_path / "show"])[0]
    before = index.catalogue()
    assert index.catalogue() is before
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "ep-9.txt").write_text(
        "Eps 9: Tides\n— Harbour Lights\nTides.\n| Published: | 2024-01-01 |\n|---|---|\n"
        "Host\nMara Okafor\nPodcast Content\nThe tide came in.\n"
    )
    Index(index.path).add_paths([tmp_path / "more"])
    after = index.catalogue()
    assert after is not before and after.episodes[0].title == "Eps 9: Tides"
