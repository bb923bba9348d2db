"""Episode pages in their plain-text shape: the seed, its variants, and text that is no page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.decode import decode_bytes
from searchpod.ingest.pages.text import (
    looks_like_text_page,
    page_from_lines,
    parse_date,
    parse_text_page,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pages"
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "episode-75.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"{SEED} not present: ../shared sits beside the checkout only in CI and dev")
    return SEED.read_text(encoding="utf-8")


def test_seed_page(seed_text: str) -> None:
    assert looks_like_text_page(seed_text)
    page = parse_text_page(seed_text, "episode-75.txt")
    assert page.title == "Eps 75: social media influencers in north Korea"
    assert page.show == "Stuff"
    assert page.episode == 75
    assert page.host == "Priscilla Alvarez"
    assert page.summary.startswith("The podcast discussed the unique and emerging phenomenon")
    assert page.summary.endswith("idealized image of North Korean life.")
    assert page.metadata["Seed data"] == "Link 1"
    assert page.metadata["Host image"] == "StyleGAN neural net"
    assert page.metadata["Content creation"] == "GPT-3.5,"
    assert page.published is None


def test_seed_body_is_only_the_podcast_content(seed_text: str) -> None:
    page = parse_text_page(seed_text, "episode-75.txt")
    assert page.body.startswith("The few who gain access to the more restricted Kwangmyong")
    assert page.body.endswith("harrowing experiences.")
    assert page.body.count("\n") == 2  # three paragraphs, kept apart
    for heading_or_table in ("Priscilla", "Podcast Content", "Seed data", "StyleGAN", "|"):
        assert heading_or_table not in page.body
    assert "The podcast discussed" not in page.body


def test_seed_decoded_from_bytes_with_bom_and_crlf(seed_text: str) -> None:
    data = b"\xef\xbb\xbf" + seed_text.replace("\n", "\r\n").encode("utf-8")
    page = parse_text_page(decode_bytes(data, "episode-75.txt"), "episode-75.txt")
    assert page.title == "Eps 75: social media influencers in north Korea"
    assert page.body.endswith("harrowing experiences.")


def test_leading_bom_in_text_is_not_part_of_the_title(seed_text: str) -> None:
    page = parse_text_page("\ufeff" + seed_text, "episode-75.txt")
    assert page.title == "Eps 75: social media influencers in north Korea"


def test_variant_with_crlf_blank_lines_and_markdown_headings() -> None:
    text = decode_bytes((FIXTURES / "variant.txt").read_bytes(), "variant.txt")
    assert looks_like_text_page(text)
    page = parse_text_page(text, "variant.txt")
    assert page.title == "Eps 52: Why the sea is salty"
    assert page.show == "Tidewater Radio"
    assert page.episode == 52
    assert page.host == "Oluwaseun Haverkamp"
    assert page.summary == (
        "Rivers carry a little salt to the sea every day, and the sun takes only the water "
        "back. This episode follows the salt from mountain rock to ocean floor."
    )
    assert page.metadata == {
        "Seed data": "Chemistry textbook",
        "Published": "2024-05-21",
        "Episode": "52",
    }
    assert page.published == dt.date(2024, 5, 21)
    # Wrapped lines join into paragraphs; paragraphs stay apart.
    assert page.body.split("\n") == [
        "Rain is very slightly acidic, and over millions of years it dissolves minerals out of "
        "rock. Rivers carry those minerals, sodium and chloride among them, down to the coast.",
        "The sea keeps the salt, while evaporation lifts only fresh water back into the clouds. "
        "So the ocean has grown salty slowly, until the salt added balanced the salt laid down "
        "as rock.",
    ]
    assert "\r" not in page.body


def test_host_on_a_label_line_after_the_summary() -> None:
    text = (
        "Eps 9: Knots\n— Rope Talk\nA summary of knots.\n"
        "Host: Ada Lindqvist\nPodcast Content\nThe bowline holds.\n"
    )
    page = parse_text_page(text, "knots.txt")
    assert page.host == "Ada Lindqvist"
    assert page.summary == "A summary of knots."


def test_hosted_by_line() -> None:
    text = "Eps 9: Knots\n— Rope Talk\nA summary of knots.\nHosted by Ada Lindqvist\nContent\nThe bowline holds.\n"
    page = parse_text_page(text, "knots.txt")
    assert page.host == "Ada Lindqvist"
    assert page.summary == "A summary of knots."


def test_summary_sentence_with_a_colon_stays_in_the_summary() -> None:
    text = (
        "Eps 3: Bells\n— Rope Talk\nThe short version: bells are loud.\n"
        "| Seed data: | Belfry |\nHost\nAda\nPodcast Content\nDing.\n"
    )
    page = parse_text_page(text, "bells.txt")
    assert page.summary == "The short version: bells are loud."
    assert page.metadata == {"Seed data": "Belfry"}


def test_title_given_by_the_caller_skips_the_same_visible_line() -> None:
    lines = ["Eps 4: Ropes", "— Rope Talk", "About ropes.", "Host", "Ada", "Podcast Content", "x"]
    page = page_from_lines(lines, "ropes.html", title="Eps 4: Ropes")
    assert page.title == "Eps 4: Ropes"
    assert page.show == "Rope Talk"
    assert page.summary == "About ropes."
    assert page.metadata == {}


def test_transcript_is_not_a_page() -> None:
    text = (FIXTURES / "transcript.txt").read_text(encoding="utf-8")
    assert not looks_like_text_page(text)
    with pytest.raises(IngestError) as err:
        parse_text_page(text, "transcript.txt")
    assert err.value.source == "transcript.txt"
    assert "Podcast Content" in err.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "Just one line of prose.",
        "Podcast Content\nbody without a title or host",
        "Eps 5: A title\nsome prose that never reaches the content heading\n",
    ],
)
def test_looks_like_text_page_rejects_non_pages(text: str) -> None:
    assert not looks_like_text_page(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty file"),
        (" \n\t\n", "empty file"),
        ("Eps 1: Title\nHost\nAda\n", "no 'Podcast Content' section"),
        ("Eps 1: Title\nHost\nAda\nPodcast Content\n\n   \n", "empty 'Podcast Content'"),
        ("\n\nPodcast Content\nSome body\n", "no title"),
    ],
)
def test_broken_pages_raise_with_source_and_reason(text: str, reason: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_text_page(text, "eps-1.txt")
    assert reason in err.value.reason
    assert str(err.value).startswith("eps-1.txt: ")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-03-07", dt.date(2023, 3, 7)),
        ("2023-03-07T10:00:00+00:00", dt.date(2023, 3, 7)),
        ("3 March 2023", dt.date(2023, 3, 3)),
        ("March 3, 2023", dt.date(2023, 3, 3)),
        ("Mar 3, 2023", dt.date(2023, 3, 3)),
        ("3 Mar 2023", dt.date(2023, 3, 3)),
        ("2023/03/07", dt.date(2023, 3, 7)),
        ("Tue, 07 Mar 2023", dt.date(2023, 3, 7)),
        ("Tue, 07 Mar 2023 10:00:00 +0000", dt.date(2023, 3, 7)),
        ("  2023-03-07  ", dt.date(2023, 3, 7)),
        ("2023-02-30", None),
        ("0000-01-01", None),
        ("next Tuesday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@given(st.text(st.characters(exclude_categories=()), max_size=2000))
def test_parse_text_page_raises_only_ingest_error(text: str) -> None:
    looks_like_text_page(text)
    try:
        page = parse_text_page(text, "random.txt")
    except IngestError as exc:
        assert exc.source == "random.txt"
        return
    assert page.title and page.body
    (page.title + page.body + page.summary).encode("utf-8")  # lone surrogates replaced


_LINES = st.sampled_from(
    ["Eps 7: Title", "— Show", "Host", "Hosted by Ada", "Podcast Content", "| a: | b |",
     "|---|---|", "Published: 2023-01-01", "", "Body text.", "Key: value", "| x |"]
)  # fmt: skip


@given(st.lists(st.one_of(_LINES, st.text(st.characters(exclude_categories=()), max_size=40))))
def test_page_shaped_text_never_crashes(lines: list[str]) -> None:
    try:
        page = parse_text_page("\n".join(lines), "random.txt")
    except IngestError:
        return
    assert page.title.strip() and page.body.strip()
    fields = [page.title, page.body, page.summary, page.show or "", page.host or ""]
    fields += [*page.metadata, *page.metadata.values()]
    "".join(fields).encode("utf-8")  # lone surrogates were replaced: fit to be indexed


@given(st.text(max_size=200))
def test_parse_date_never_raises(value: str) -> None:
    result = parse_date(value)
    assert result is None or isinstance(result, dt.date)
