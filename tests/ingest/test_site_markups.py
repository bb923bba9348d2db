"""Episode pages in the seed's shape (title, byline, summary, label/value details, host,
content) as five site builders mark them up, written for these tests with invented
episodes: a WordPress podcast theme, Squarespace, a Webflow-like builder where every part
is a <div>, Ghost, and a static-site theme whose <h1> is the site's name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from searchpod.ingest.pages.html import parse_html_page, read_html_file

MARKUPS = Path(__file__).parents[1] / "fixtures" / "pages" / "markups"

EXPECTED: dict[str, dict[str, Any]] = {
    "wordpress_podcast.html": {
        "title": "Eps 14: The lighthouse keepers who stayed",
        "show": "Salt & Signal",
        "host": "Tomas Rehn",
        "episode": 14,
        "published": dt.date(2023, 3, 12),
        "summary_starts": "Keepers of the last manned lights on a northern coast",
        "metadata": {"Published": "12 March 2023", "Runtime": "48 min", "Guest": "Ingrid Vass"},
        "body_starts": "Ingrid Vass kept the light",
        "paragraphs": 3,
        "media_url": "https://media.saltandsignal.example/eps14.mp3",
    },
    "squarespace.html": {
        "title": "Glassblowers of the lagoon",
        "show": "Furnace Hours",
        "host": "Marta Ciesla",
        "episode": 52,
        "published": dt.date(2022, 11, 4),
        "summary_starts": "Three generations of a glassblowing family",
        "metadata": {
            "Published": "4 November 2022",
            "Recorded at": "a workshop on the north quay",
            "Episode": "52",
        },
        "body_starts": "The grandmother keeps her recipes",
        "paragraphs": 3,
    },
    "builder_divs.html": {
        "title": "Eps 31: why moss grows on the north side",
        "show": "Understory",
        "host": "Owen Tally",
        "episode": 31,
        "published": dt.date(2021, 9, 17),
        "summary_starts": "A bryologist takes us for a slow walk through a wet valley",
        "metadata": {"Published": "2021-09-17", "Runtime": "37 min", "Guest": "Dr. Helga Moor"},
        "body_starts": "Helga Moor has counted mosses",
        "paragraphs": 3,
    },
    "ghost.html": {
        "title": "The night-bus drivers",
        "show": "Last Stop",
        "host": "Kemi Adebayo",
        "episode": None,
        "published": dt.date(2024, 2, 8),
        "summary_starts": "Drivers of the last routes out of the city talk about who rides",
        "metadata": {"Route": "N29, depot to depot", "Runtime": "52 min"},
        "body_starts": "The N29 leaves the depot",
        "paragraphs": 4,
    },
    "static_site.html": {
        "title": "Ep. 7 - Salt marsh cartographers",
        "show": "Tidewrack",
        "host": "Noor Haddad",
        "episode": 7,
        "published": dt.date(2020, 6, 30),
        "summary_starts": "Mapping a marsh that moves every tide",
        "metadata": {
            "Published": "30 June 2020",
            "Runtime": "44 min",
            "Guests": "Rosa Imbert, Kai Lund",
        },
        "body_starts": "Rosa Imbert started surveying marshes",
        "paragraphs": 3,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_part_of_the_page_is_found(name: str) -> None:
    want = EXPECTED[name]
    page = parse_html_page((MARKUPS / name).read_text(encoding="utf-8"), name)
    assert page.title == want["title"]
    assert page.show == want["show"]
    assert page.host == want["host"]
    assert page.episode == want["episode"]
    assert page.published == want["published"]
    assert page.summary.startswith(want["summary_starts"])
    # Exactly the page's details: no title, byline or author line read as one.
    assert page.metadata == want["metadata"]
    assert page.body.startswith(want["body_starts"])
    assert len([p for p in page.body.split("\n") if p.strip()]) == want["paragraphs"]
    if "media_url" in want:
        assert page.media_url == want["media_url"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_summary_is_neither_the_byline_nor_the_details(name: str) -> None:
    page = parse_html_page((MARKUPS / name).read_text(encoding="utf-8"), name)
    assert EXPECTED[name]["show"] not in page.summary
    assert not any(value in page.summary for value in EXPECTED[name]["metadata"].values())
    assert EXPECTED[name]["host"] not in page.summary


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_builder_page_is_an_episode_page_not_a_transcript(name: str) -> None:
    page, transcript = read_html_file((MARKUPS / name).read_text(encoding="utf-8"), name)
    assert page is not None and transcript is None


def test_the_same_shape_as_text_reads_labels_and_values_on_their_own_lines() -> None:
    from searchpod.ingest.pages.text import parse_text_page

    text = "\n".join(
        [
            "Eps 3: Rope bridges of the high valleys",
            "— Span",
            "Two riggers on the craft of a bridge made of grass.",
            "Runtime",
            "41 min",
            "Guest",
            "Ama Kusi",
            "Host",
            "Lio Park",
            "Podcast Content",
            "The bridge is rewoven every June.",
        ]
    )
    page = parse_text_page(text, "eps-3.txt")
    assert (page.title, page.show, page.host) == (
        "Eps 3: Rope bridges of the high valleys", "Span", "Lio Park"
    )  # fmt: skip
    assert page.summary == "Two riggers on the craft of a bridge made of grass."
    assert page.metadata == {"Runtime": "41 min", "Guest": "Ama Kusi"}


def test_a_title_and_byline_paired_in_one_block_are_not_a_label_and_value() -> None:
    html = (MARKUPS / "builder_divs.html").read_text(encoding="utf-8")
    html = html.replace('class="ep-title"', 'class="ep-name"').replace(
        'class="ep-byline"', 'class="ep-show-name"'
    )
    page = parse_html_page(html, "renamed.html")
    assert (page.title, page.show) == ("Eps 31: why moss grows on the north side", "Understory")
    assert "Eps 31" not in page.metadata
