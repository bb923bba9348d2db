"""Hostile pages, feeds and names meet every output: HTML escaped, web URLs only, terminal-safe.

Issue #13 items 1 (``--format html``), 2 (``javascript:`` URLs) and 5 (control characters
and newlines reaching the terminal).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchpod.frontends.cli import main
from searchpod.frontends.render import Styled
from searchpod.text.safe import terminal_safe

OURS = {"<mark>", "</mark>"}
BAD = "javascript:alert(2)//"


@pytest.fixture
def run(tmp_path: Path):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--index", str(tmp_path / "ix"), *args])

    return invoke


def page(title: str, body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>x</title>{head}</head><body>"
        f"<h1>{title}</h1><p>Show: Night Signals</p>"
        f"<div>Podcast Content</div><p>{body}</p></body></html>"
    )


def tags(html: str) -> set[str]:
    return set(re.findall(r"<[^>]*>", html))


def test_html_format_escapes_titles_ids_and_snippets(run, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "<img src=x onerror=alert(3)>.html").write_text(
        page(
            "Eps 1: &lt;img src=x onerror=alert(1)&gt; lighthouse",
            "The lighthouse keeper typed &lt;script&gt;alert(4)&lt;/script&gt; twice.",
        )
    )
    assert run("index", str(folder)).exit_code == 0
    result = run("search", "lighthouse", "--format", "html")
    assert result.exit_code == 0
    assert "&lt;img src=x onerror=alert(1)&gt;" in result.stdout  # the title, as text
    assert "&lt;img src=x onerror=alert(3)&gt;" in result.stdout  # the id, as text
    assert "&lt;script&gt;" in result.stdout
    assert tags(result.stdout) <= OURS, "only <mark> is markup of ours"


def test_feed_titles_with_encoded_tags_stay_text(run, tmp_path: Path) -> None:
    feed = tmp_path / "show.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>&lt;b&gt;Show</title>'
        "<item><guid>ep-1</guid><title>&lt;img src=x onerror=alert(1)&gt; harbour</title>"
        "<description>All about the &lt;i&gt;harbour&lt;/i&gt; at night.</description>"
        "</item></channel></rss>"
    )
    assert run("index", str(feed)).exit_code == 0
    result = run("search", "harbour", "--format", "html")
    assert "&lt;img src=x onerror=alert(1)&gt;" in result.stdout
    assert tags(result.stdout) <= OURS


def test_javascript_urls_from_pages_are_never_stored_or_printed(run, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    ld = json.dumps({"@type": "PodcastEpisode", "url": BAD, "name": "x"})
    hostile = (
        f'<meta property="og:url" content="{BAD}"><meta property="og:audio" content="{BAD}">'
        f'<link rel="canonical" href="{BAD}">'
        f'<script type="application/ld+json">{ld}</script>'
    )
    (folder / "a.html").write_text(page("Eps 1: Foghorns", "Foghorns at 10 seconds.", hostile))
    # A bad URL first, a good one after it: the web link wins.
    mixed = (
        f'<meta property="og:audio" content="{BAD}">'
        '<meta property="og:url" content="https://example.org/eps-2">'
    )
    (folder / "b.html").write_text(page("Eps 2: Buoys", "Buoys and foghorns.", mixed))
    assert run("index", str(folder)).exit_code == 0

    out = run("search", "foghorns", "--json").stdout
    assert "javascript:" not in out
    hits = json.loads(out)["hits"]
    urls = {h["title"]: h["url"] for h in hits}
    assert urls == {"Eps 1: Foghorns": None, "Eps 2: Buoys": "https://example.org/eps-2"}
    for episode_id in (h["id"] for h in hits):
        shown = run("show", episode_id, "--json").stdout + run("show", episode_id).stdout
        assert "javascript:" not in shown


def test_an_old_index_holding_a_javascript_url_is_still_safe(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index written before URLs were checked: let the bad URL through on the way in.
    import searchpod.indexing.documents
    import searchpod.ingest.pages.html

    for module in (searchpod.ingest.pages.html, searchpod.indexing.documents):
        monkeypatch.setattr(module, "safe_url", lambda url: url)
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text(
        page("Eps 1: Foghorns", "Foghorns.", f'<meta property="og:audio" content="{BAD}">')
    )
    assert run("index", str(folder)).exit_code == 0
    monkeypatch.undo()

    out = run("search", "foghorns", "--json").stdout
    hit = json.loads(out)["hits"][0]
    assert hit["url"] is None and "javascript:" not in out
    shown = run("show", hit["id"], "--json").stdout + run("show", hit["id"]).stdout
    assert "javascript:" not in shown


def test_a_newline_in_a_file_name_cannot_forge_an_error_line(run, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "ok.html").write_text(page("Eps 1: Tides", "Tides and moons."))
    (folder / "bad\nerror: forged.txt").write_text("")  # empty: fails to ingest
    result = run("index", str(folder))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "bad\\nerror: forged.txt" in errors[0]
    assert "Traceback" not in result.output


def test_control_characters_from_feeds_do_not_reach_the_terminal(run, tmp_path: Path) -> None:
    feed = tmp_path / "show.xml"
    feed.write_bytes(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Show</title>'
        b"<item><guid>ep\x1b[31m-1</guid><title>Red \x1b[31mharbour\x1b[0m</title>"
        b"<description>The harbour at night.</description></item></channel></rss>"
    )
    assert run("index", str(feed)).exit_code == 0
    for fmt in ("terminal", "plain", "html"):
        result = run("search", "harbour", "--format", fmt)
        assert "harbour" in result.stdout
        assert "\x1b" not in result.stdout, fmt
        assert "\\x1b[31m" in result.stdout, fmt
    episode_id = json.loads(run("search", "harbour", "--json").stdout)["hits"][0]["id"]
    assert "\x1b" in episode_id  # kept as data: JSON escapes it, the terminal never sees it
    shown = run("show", episode_id)
    assert shown.exit_code == 0 and "\x1b" not in shown.stdout
    missing = run("show", episode_id + "\nerror: forged")
    assert missing.exit_code == 2
    assert len(missing.stderr.splitlines()) == 1 and "\x1b" not in missing.stderr


def test_styled_lines_keep_their_styles_where_escapes_widen_them() -> None:
    line = Styled("a\x1bb", "bold").append("c\nd", "red")
    safe = line.terminal_safe()
    assert safe.text == "a\\x1bbc\\nd"
    assert [(safe.text[s:e], style) for s, e, style in safe.spans] == [
        ("a\\x1bb", "bold"),
        ("c\\nd", "red"),
    ]


def test_the_rich_terminal_shows_escapes_not_raw_sequences() -> None:
    import io

    from rich.console import Console as RichConsole

    from searchpod.frontends.render import RichConsole as SearchpodRich

    console = SearchpodRich()
    buffer = io.StringIO()
    console.rich = RichConsole(file=buffer, force_terminal=True, color_system="standard")
    console.print(Styled("guid ep\x1b[31m-1", "bold"))
    console.print("plain\x1b]0;title\x07 text")
    shown = buffer.getvalue()
    assert "\x1b[31m" not in shown and "\x1b]0;" not in shown and "\x07" not in shown
    assert "ep\\x1b[31m-1" in shown and "plain\\x1b]0;title\\x07 text" in shown


@given(
    text=st.text(alphabet=st.sampled_from("ab \n\x1b\x07\x9b\u2028é"), max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=6),
)
def test_escaped_styles_cover_exactly_their_escaped_text(text: str, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts})
    line = Styled(text)
    line.spans = [(s, e, "bold") for s, e in itertools.pairwise(points)]
    safe = line.terminal_safe()
    assert safe.text == terminal_safe(text)
    for (s, e, _), (ns, ne, _) in zip(line.spans, safe.spans, strict=True):
        assert safe.text[ns:ne] == terminal_safe(text[s:e])
