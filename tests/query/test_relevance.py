"""Queries on the shipped sample corpus, each with the episode that must rank first.

A ranking or analysis change that breaks one of these is a change users would notice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from searchpod import Index
from tests.conftest import REPO

CASES = [
    ('"polymetallic nodules"', "data/eps-12.txt"),
    ("maslin", "data/eps-2.html"),
    ('"harmonic tremor"', "data/eps-5.txt"),
    ("chromatophore", "data/eps-6.html"),  # the page only says "chromatophores"
    ("octolinear", "data/eps-7.html"),
    ("katabatic", "data/eps-9.html"),
    ("serotinous", "data/eps-14.txt"),
    ('"Kōhanga Reo"', "data/eps-11.html"),
    ("kohanga reo", "data/eps-11.html"),  # accents folded
    ("portolan", "data/eps-21.html"),
    ('"Galloping Gertie"', "data/eps-40.html"),
    ("kirigami", "data/eps-41.html"),
    ("NNUE", "data/eps-43.txt"),
    ("lighthouse keepers", "data/eps-3.html"),
    ("kirigammi", "data/eps-41.html"),  # one typo in a rare word
]

# Words said only in a transcript: (query, episode, cue start in seconds, speaker).
TIMED = [
    ("Marmaduke", "data/eps-3.html", 191.187, "Rosalind Achterberg"),
    ("nukadoko", "data/eps-8.txt", 163.177, "Haruto Ebisawa"),
    ("ostracods", "data/eps-15.html", 28.21, "Lucia Ferraz"),
    ("harpoon", "data/eps-42.html", 80.385, None),
    ("Grandsire", "data/interview-extra.vtt", 111.551, "Bronwen Tregarthen"),
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Index:
    data = REPO / "data"
    ix = Index.create(tmp_path_factory.mktemp("relevance") / "ix")
    report = ix.add_paths([data])
    assert report.ok, report.failed
    return ix


def test_every_sample_file_is_indexed(sample: Index) -> None:
    files = {p.stem for p in (REPO / "data").iterdir() if p.suffix != ".md"}
    assert len(sample) == len(files)


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_expected_episode_ranks_first(sample: Index, query: str, expected: str) -> None:
    hits = sample.search(query).hits
    assert hits, f"{query!r} found nothing"
    assert hits[0].id == expected


@pytest.mark.parametrize(("query", "expected", "start", "speaker"), TIMED)
def test_transcript_words_say_when_and_who(
    sample: Index, query: str, expected: str, start: float, speaker: str | None
) -> None:
    hit = sample.search(query).hits[0]
    assert hit.id == expected
    assert hit.snippets[0].start == pytest.approx(start, abs=1.0)
    assert hit.snippets[0].speaker == speaker


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "data").glob("*.html")))
def test_navigation_banners_asides_and_footers_are_not_content(sample: Index, name: str) -> None:
    episode = sample.get(f"data/{name}")
    text = f"{episode.summary}\n{episode.body}"
    for chrome in (
        "We use cookies",
        "Accept cookies",
        "All episodes",
        "Related episodes",
        "Long answers to short questions",
        "querySelectorAll",
        "Privacy policy",
    ):
        assert chrome not in text, f"{chrome!r} leaked into {name}"


def test_host_facets_cover_the_four_hosts(sample: Index) -> None:
    facets = sample.search("the OR a OR episode OR *", facets=True).facets
    assert facets is not None and len(facets["host"]) == 4


def test_paths_of_sources(sample: Index) -> None:
    hit = sample.search("katabatic").hits[0]
    assert Path(hit.source).name == "eps-9.html"
