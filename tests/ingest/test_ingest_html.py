"""HTML episode pages in the markup real sites use, and HTML that is not an episode page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchpod.errors import IngestError
from searchpod.ingest.decode import decode_bytes
from searchpod.ingest.pages import html as htmlpage
from searchpod.ingest.pages.html import parse_html_page
from searchpod.model import Page

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pages"

# Text that sits in every fixture's navigation, banners, scripts, asides and footers.
NOISE = (
    "All episodes",
    "cookie",
    "Accept",
    "TRACKING-ID",
    "dataLayer",
    "querySelector",
    "All rights reserved",
    "Privacy policy",
    "Related episodes",
    "Mudflat birds",
    "Get new episodes by email",
    "Skip to content",
    "Share this episode",
    "Mastodon",
    "comments",
    "reminds me of childhood",
    "hello@example.org",
    "Follow us on social media",
    "enable JavaScript",
    "listener supported",
    "Stories from where the land meets the sea",
    "cannot play this audio",
    "41 minutes",
    "New episodes every other Tuesday",
)


@dataclass
class Expected:
    title: str
    show: str
    episode: int
    host: str
    summary_start: str
    body_start: str
    body_end: str
    metadata: dict[str, str]
    published: dt.date
    paragraphs: int = 3
    url: str | None = None
    media_url: str | None = None
    extra_noise: tuple[str, ...] = field(default=())


EXPECTED = {
    # (a) h1/h2 headings, a <th>-labelled table, nav, footer, cookie banner, inline scripts.
    "semantic.html": Expected(
        title="Eps 12: The quiet science of tide prediction",
        show="Tidewater Radio",
        episode=12,
        host="Marguerite Oyelaran",
        summary_start="Harbour masters once kept tide tables",
        body_start="Every coastline breathes twice a day",
        body_end="the storms that no constant can foresee.",
        metadata={
            "Seed data": "Harbour almanac, 1911",
            "Host image": "Watercolour of a tide gauge",
            "Content creation": "Written by the host",
            "Published": "18 April 2023",
        },
        published=dt.date(2023, 4, 18),
        media_url="https://example.org/audio/tidewater-012.mp3",
    ),
    # (b) no <h1>: the title is a styled div, named again in JSON-LD; label/value div grid.
    "divgrid.html": Expected(
        title="Eps 19: Salt marshes and the carbon they keep",
        show="Tidewater Radio",
        episode=19,
        host="Dashiell Amankwah",
        summary_start="Salt marshes look like empty mud to most visitors.",
        body_start="At high water a marsh is a sheet of silver",
        body_end="a slow, steady store of carbon.",
        metadata={
            "Seed data": "Field notebook",
            "Host image": "Linocut of cordgrass",
            "Content creation": "Written by the host",
            "Runtime": "38 min",
        },
        published=dt.date(2023, 8, 22),
        url="https://example.org/tidewater/eps-19",
        media_url="https://example.org/audio/tidewater-019.mp3",
    ),
    # (c) <dl> metadata; the host only in JSON-LD "author", inside an @graph after a WebPage;
    # the date only in article:published_time.
    "deflist.html": Expected(
        title="Eps 23: Fog horns and the sounds of the shore",
        show="Tidewater Radio",
        episode=23,
        host="Ingrid Valcourt",
        summary_start="Before radar, a ship in fog found the coast by ear.",
        body_start="A fog signal has one job",
        body_end="people come from far away to hear it.",
        metadata={
            "Seed data": "Lighthouse board minutes",
            "Host image": "Photograph of a diaphone",
            "Content creation": "Written by the host",
        },
        published=dt.date(2023, 10, 3),
        url="https://example.org/tidewater/eps-23",
    ),
    # (d) no <h1> and no JSON-LD: the title is og:title, not the <title> element.
    "og_title.html": Expected(
        title="Eps 31: Sea glass and where it comes from",
        show="Tidewater Radio",
        episode=31,
        host="Teodora Blackwood",
        summary_start="Beachcombers prize the frosted shards",
        body_start="Sea glass starts life as something thrown away",
        body_end="a century of waste is slowly being returned.",
        metadata={
            "Seed data": "A jar of beach finds",
            "Host image": "Pencil sketch",
            "Published": "2024-01-09",
        },
        published=dt.date(2024, 1, 9),
        url="https://example.org/tidewater/eps-31",
        media_url="https://example.org/audio/tidewater-031.mp3",
    ),
    # (h) sections with <h3> headings, <td> label cells, the title an <h2>.
    "section_h3.html": Expected(
        title="Eps 36: Shipworms, the termites of the sea",
        show="Tidewater Radio",
        episode=36,
        host="Anselm Kuruvilla",
        summary_start="Wooden ships, piers and lock gates",
        body_start="The shipworm bores into timber",
        body_end="help turn plant waste into fuel.",
        metadata={
            "Seed data": "Dockyard repair ledger",
            "Host image": "Engraving of a hull",
            "Published": "2023-12-05",
        },
        published=dt.date(2023, 12, 5),
    ),
    # (i) the date only in <time datetime>, on a dateline under the title; the site's name
    # is an <h1> too.
    "time_tag.html": Expected(
        title="Eps 44: The last of the hand-built lifeboats",
        show="Tidewater Radio",
        episode=44,
        host="Wilhelmina Achebe-Strand",
        summary_start="A boatyard on the east coast",
        body_start="The keel goes down first",
        body_end="something that will outlast them.",
        metadata={"Seed data": "Boatyard order book", "Host image": "Charcoal drawing of a keel"},
        published=dt.date(2024, 3, 12),
    ),
    # (e) Windows-1252 bytes, no declared charset: curly quotes 0x93/0x94, é 0xE9.
    "cp1252.html": Expected(
        title="Eps 27: Café culture on the harbour wall",
        show="Tidewater Radio",
        episode=27,
        host="Renée Castellanos",
        summary_start="Fishermen’s cafés open before dawn",
        body_start="The door opens at half past four.",
        body_end="nobody from the café goes there either.",
        metadata={"Seed data": "Menu board, 1974", "Published": "2023-06-13"},
        published=dt.date(2023, 6, 13),
    ),
    # (f) UTF-8 with a byte-order mark.
    "bom.html": Expected(
        title="Eps 28: Zoë and the kelp forest",
        show="Tidewater Radio",
        episode=28,
        host="Søren Mbeki",
        summary_start="Kelp grows faster than almost anything else on Earth. Diver Zoë",
        body_start="Under the surface the light turns green",
        body_end="naïvely hoping it would recover on its own.",
        metadata={"Seed data": "Dive log", "Published": "2023-07-04"},
        published=dt.date(2023, 7, 4),
        paragraphs=2,
    ),
    # (g) <meta http-equiv> declares ISO-8859-1; the apostrophes are Windows-1252, as on
    # most such pages, and browsers read the label as windows-1252 for that reason.
    "latin1.html": Expected(
        title="Eps 29: Señales de niebla en la costa gallega",
        show="Tidewater Radio",
        episode=29,
        host="Begoña Ibáñez",
        summary_start="A Coruña has kept a lighthouse burning since Roman times.",
        body_start="The Tower of Hercules is the oldest lighthouse",
        body_end="switched off for good.",
        metadata={"Seed data": "Postal de 1952", "Published": "2023-11-07"},
        published=dt.date(2023, 11, 7),
        paragraphs=2,
    ),
}


def load_page(name: str) -> Page:
    path = FIXTURES / name
    return parse_html_page(decode_bytes(path.read_bytes(), str(path)), str(path))


@pytest.mark.parametrize("name", EXPECTED)
def test_episode_page_fields(name: str) -> None:
    want = EXPECTED[name]
    page = load_page(name)
    assert page.title == want.title
    assert page.show == want.show
    assert page.episode == want.episode
    assert page.host == want.host
    assert page.summary.startswith(want.summary_start)
    assert page.metadata == want.metadata
    assert page.published == want.published
    assert page.url == want.url
    assert page.media_url == want.media_url


@pytest.mark.parametrize("name", EXPECTED)
def test_episode_page_body_is_the_podcast_content(name: str) -> None:
    want = EXPECTED[name]
    page = load_page(name)
    assert page.body.startswith(want.body_start)
    assert page.body.endswith(want.body_end)
    assert len(page.body.split("\n")) == want.paragraphs
    assert "  " not in page.body
    # Headings, metadata and summary belong elsewhere.
    assert "Podcast Content" not in page.body
    assert want.host not in page.body
    assert want.summary_start not in page.body
    for value in want.metadata.values():
        assert value not in page.body


@pytest.mark.parametrize("name", EXPECTED)
def test_no_page_furniture_in_body_or_summary(name: str) -> None:
    page = load_page(name)
    for noise in NOISE:
        assert noise not in page.body, noise
        assert noise not in page.summary, noise
    assert page.title not in page.summary
    assert not page.summary.startswith("—")


def test_summary_is_the_visible_paragraph_not_the_title_or_byline() -> None:
    page = load_page("og_title.html")
    assert page.summary == (
        "Beachcombers prize the frosted shards that wash up on the shore. This episode traces "
        "sea glass back to bottle works, shipwrecks and old rubbish tips."
    )


def test_windows_1252_punctuation_is_decoded() -> None:
    page = load_page("cp1252.html")
    assert "“We’re the kitchen table for people who don’t get to sit at home,”" in page.body
    assert "“greasy spoon”" in page.summary


def test_declared_iso_8859_1_page_keeps_its_apostrophes() -> None:
    page = load_page("latin1.html")
    assert "keepers’ children" in page.summary
    assert "Ángela" in page.body
    assert not any("\x80" <= ch <= "\x9f" for ch in page.body + page.summary)


def test_bom_is_not_text() -> None:
    page = load_page("bom.html")
    assert "\ufeff" not in page.title + page.body + page.summary


def test_structured_data_alone_makes_an_episode() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@type": ["PodcastEpisode"], "name": "Eps 60: Shells", "datePublished": "2024-06-04",
     "partOfSeries": {"name": "Tidewater Radio"}, "author": {"name": "Ada Lindqvist"},
     "description": "Why shells spiral.", "transcript": "Shells grow at the lip."}
    </script></head><body><p>Player goes here</p></body></html>"""
    page = parse_html_page(html, "eps-60.html")
    assert page.title == "Eps 60: Shells"
    assert page.episode == 60
    assert page.show == "Tidewater Radio"
    assert page.host == "Ada Lindqvist"
    assert page.body == "Shells grow at the lip."
    assert page.published == dt.date(2024, 6, 4)


def test_markup_inside_paragraphs_keeps_word_spacing() -> None:
    html = (
        "<h1>Eps 2: Words</h1><h2>Host</h2><p>Ada</p><h2>Podcast Content</h2>"
        "<p>One <em>two</em> three<br>four <a href='#'>five</a>.</p><p>Six&nbsp;seven &amp; eight</p>"
    )
    page = parse_html_page(html, "words.html")
    assert page.body == "One two three four five.\nSix seven & eight"


def test_page_wrapped_in_one_form_as_aspnet_writes_them() -> None:
    html = (
        '<body><form id="form1" method="post"><input type="hidden" name="__VIEWSTATE">'
        "<h1>Eps 6: Gulls</h1><p>— Tidewater Radio</p><p>Gulls are clever.</p>"
        "<h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Gulls learn.</p>"
        '<form class="search"><input name="q"><label>Search the archive</label></form>'
        "</form></body>"
    )
    page = parse_html_page(html, "eps-6.aspx")
    assert (page.show, page.summary, page.body) == (
        "Tidewater Radio",
        "Gulls are clever.",
        "Gulls learn.",
    )


def test_an_articles_own_header_is_content() -> None:
    html = (
        '<head><meta property="og:title" content="Eps 7: Crabs"></head><body>'
        "<header><a href='/'>Tidewater Radio</a> <a href='/episodes'>All episodes</a></header>"
        "<article><header><div class='title'>Eps 7: Crabs</div><div>— Tidewater Radio</div>"
        "<p>Crabs walk sideways.</p></header>"
        "<h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Crabs moult.<!-- ad slot --></p>"
        "</article></body>"
    )
    page = parse_html_page(html, "eps-7.html")
    assert (page.title, page.show, page.summary) == (
        "Eps 7: Crabs",
        "Tidewater Radio",
        "Crabs walk sideways.",
    )
    assert page.body == "Crabs moult."


def test_definition_list_items_wrapped_in_divs() -> None:
    html = (
        "<h1>Eps 8: Terns</h1><dl><div><dt>Seed data:</dt><dd>Bird log</dd></div>"
        "<div><dt>Published</dt><dd>5 March 2024</dd></div></dl>"
        "<h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Terns fly far.</p>"
    )
    page = parse_html_page(html, "eps-8.html")
    assert page.metadata == {"Seed data": "Bird log", "Published": "5 March 2024"}
    assert page.published == dt.date(2024, 3, 5)


def test_summary_under_its_own_heading() -> None:
    html = (
        "<h1>Eps 12: Rays</h1><h2>About this episode</h2><p>Rays glide.</p>"
        "<h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Rays are flat sharks.</p>"
        # Collapsed by the page's script until "read more" is clicked: still the episode's text.
        "<div class='more' hidden><p>Skates are their cousins.</p></div>"
    )
    page = parse_html_page(html, "eps-12.html")
    assert page.summary == "Rays glide."
    assert page.body == "Rays are flat sharks.\nSkates are their cousins."


def test_page_laid_out_with_a_table() -> None:
    html = (
        "<table><tr><td class='nav'><a href='/'>All episodes</a></td><td>"
        "<h1>Eps 10: Eels</h1><p>— Tidewater Radio</p><p>Eels cross oceans.</p>"
        "<table><tr><th>Seed data:</th><td>Eel trap</td></tr></table>"
        "<h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Eels spawn at sea.</p><p>Then return.</p>"
        "</td></tr></table>"
    )
    page = parse_html_page(html, "eps-10.html")
    assert (page.title, page.show, page.summary) == (
        "Eps 10: Eels",
        "Tidewater Radio",
        "Eels cross oceans.",
    )
    assert page.metadata == {"Seed data": "Eel trap"}
    assert page.body == "Eels spawn at sea.\nThen return."


def test_broken_or_absurd_json_ld_is_ignored() -> None:
    html = (
        '<script type="application/ld+json">{"@type": "PodcastEpisode", "name": </script>'
        '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
        "<h1>Eps 11: Kelp</h1><h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Kelp.</p>"
    )
    page = parse_html_page(html, "eps-11.html")
    assert (page.title, page.body) == ("Eps 11: Kelp", "Kelp.")


@pytest.mark.parametrize("name", ["about.html", "notfound.html"])
def test_html_that_is_not_an_episode_page(name: str) -> None:
    path = FIXTURES / name
    with pytest.raises(IngestError) as err:
        parse_html_page(path.read_text(encoding="utf-8"), str(path))
    assert err.value.source == str(path)
    assert str(err.value) == f"{path}: {err.value.reason}"
    assert "not an episode page" in err.value.reason


@pytest.mark.parametrize("html", ["", "  \n\t "])
def test_empty_html(html: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_html_page(html, "blank.html")
    assert str(err.value) == "blank.html: empty file"


@pytest.mark.parametrize("html", ["<html></html>", "<!-- nothing -->", "plain words"])
def test_contentless_html(html: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_html_page(html, "blank.html")
    assert err.value.source == "blank.html"
    assert "not an episode page" in err.value.reason


@pytest.mark.parametrize("text", ["https://example.org/eps-1.html", "eps-1.html"])
def test_a_url_or_file_name_is_not_a_page_and_warns_nothing(text: str) -> None:
    # pytest turns warnings into errors here, so bs4's "looks like a URL" would fail this.
    with pytest.raises(IngestError):
        parse_html_page(text, "eps-1.html")


def test_xhtml_with_an_xml_declaration() -> None:
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<body><h1>Eps 8: Buoys</h1><h2>Host</h2><p>Ada</p><h2>Podcast Content</h2>"
        "<p>Buoys bob.</p></body></html>"
    )
    page = parse_html_page(html, "eps-8.xhtml")
    assert (page.title, page.host, page.body) == ("Eps 8: Buoys", "Ada", "Buoys bob.")


def test_lone_surrogates_become_replacement_characters() -> None:
    html = (
        '<script type="application/ld+json">{"@type": "PodcastEpisode", "name": "Eps 9: A\\ud800"}'
        "</script><h2>Host</h2><p>Ada\udc80</p><h2>Podcast Content</h2><p>Text.</p>"
    )
    page = parse_html_page(html, "eps-9.html")
    assert page.title == "Eps 9: A\ufffd"
    assert page.host is not None
    page.host.encode("utf-8")


def test_deeply_nested_markup_is_an_ingest_error_or_a_page() -> None:
    inner = "<h1>Eps 1: Deep</h1><h2>Host</h2><p>Ada</p><h2>Podcast Content</h2><p>Down here.</p>"
    html = "<div>" * 5000 + inner + "</div>" * 5000
    try:
        page = parse_html_page(html, "deep.html")
    except IngestError as exc:
        assert exc.source == "deep.html"
    else:
        assert page.body == "Down here."


def test_parses_with_lxml(monkeypatch: pytest.MonkeyPatch) -> None:
    # The speed of page parsing comes from lxml; html.parser is several times slower.
    features: list[object] = []
    real = htmlpage.BeautifulSoup

    def spy(markup: str, parser: object = None, *args: object, **kwargs: object) -> object:
        features.append(parser or kwargs.get("features"))
        return real(markup, parser, *args, **kwargs)

    monkeypatch.setattr(htmlpage, "BeautifulSoup", spy)
    load_page("semantic.html")
    assert features == ["lxml"]


def test_large_page_parses() -> None:
    paragraph = "<p>" + "The tide comes in and the tide goes out. " * 20 + "</p>\n"
    html = "<h1>Eps 5: Long</h1><h2>Host</h2><p>Ada</p><h2>Podcast Content</h2>" + paragraph * 2000
    page = parse_html_page(html, "long.html")
    assert page.body.count("\n") == 1999


_TAGS = st.sampled_from(
    ["<h1>", "</h1>", "<h2>Host</h2>", "<h3>Podcast Content</h3>", "<p>", "</p>", "<div>",
     "</div>", "<table><tr><th>Seed data:</th><td>x</td></tr></table>", "<dl><dt>a</dt>",
     "<dd>b</dd></dl>", "<nav>", "<script>", "</script>", "<br>", "<time datetime='2023-01-01'>",
     "</time>", "<section>", '<script type="application/ld+json">{"@type": "PodcastEpisode", ',
     '"name": 5, "author": [null, {"name": []}], "partOfSeries": "x"}</script>',
     "<meta property='og:title' content='t'>", "Eps 3: Title", "— Show", "Ada", "\x00", "&#0;"]
)  # fmt: skip


@given(st.lists(st.one_of(_TAGS, st.text(max_size=30)), max_size=40))
def test_random_html_raises_only_ingest_error(parts: list[str]) -> None:
    try:
        page = parse_html_page("".join(parts), "random.html")
    except IngestError as exc:
        assert exc.source == "random.html"
        return
    assert page.title and page.body


# Every code point, lone surrogates too (what surrogateescape or JSON "\\ud800" produce).
ANY_CHAR = st.characters(exclude_categories=())


@given(st.text(ANY_CHAR, max_size=1000))
def test_arbitrary_text_raises_only_ingest_error(text: str) -> None:
    try:
        page = parse_html_page(text, "random.html")
    except IngestError as exc:
        assert exc.source == "random.html"
        return
    (page.title + page.body + page.summary).encode("utf-8")  # fit to be indexed
