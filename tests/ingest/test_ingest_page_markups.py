"""The seed episode page in many site builders' markups reads into the same fields as its
plain-text form: title, show, host, summary, metadata table and body.

The markups are generated here from the seed's own fields (read from ../shared), so no
episode text is copied into the project.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape as e

import pytest

from searchpod.ingest.pages.html import parse_html_page, read_html_file
from searchpod.ingest.pages.text import parse_text_page
from searchpod.model import Page
from tests.conftest import SEED, need_shared

FIELDS = ("title", "show", "host", "summary", "metadata", "body", "episode")


def _paragraphs(p: Page) -> list[str]:
    return [x for x in p.body.split("\n") if x.strip()]


def _p(p: Page) -> str:
    return "".join(f"<p>{e(x)}</p>" for x in _paragraphs(p))


def webflow(p: Page) -> str:
    # No <h1>; label/value grid of sibling divs; section label in one div, content in the next.
    grid = "".join(
        f'<div class="cell label">{e(k)}:</div><div class="cell value">{e(v)}</div>'
        for k, v in p.metadata.items()
    )
    return f"""<html><head><title>{e(p.title)} | {e(p.show or "")}</title></head><body>
<div class="nav"><a href="/">Home</a> <a href="/about">About</a></div>
<div class="wrapper"><div class="episode-title">{e(p.title)}</div>
<div class="show-name">— {e(p.show or "")}</div><div class="summary">{e(p.summary)}</div>
<div class="grid">{grid}</div>
<div class="label">Host</div><div class="host-name">{e(p.host or "")}</div>
<div class="label">Podcast Content</div><div class="rich-text">{_p(p)}</div></div>
</body></html>"""


def nested_blocks(p: Page) -> str:
    # Every label and value wrapped twice; sections as label/content pairs of divs.
    grid = "".join(
        f'<div class="field"><div class="field-label"><div>{e(k)}:</div></div>'
        f'<div class="field-value"><div>{e(v)}</div></div></div>'
        for k, v in p.metadata.items()
    )
    return f"""<html><body><div id="root"><div><div class="heading-xl">{e(p.title)}</div></div>
<div><div class="subtitle">— {e(p.show or "")}</div></div>
<div><div class="intro"><p>{e(p.summary)}</p></div></div><div class="fields">{grid}</div>
<div class="block"><div class="block-label">Host</div>
<div class="block-content"><p>{e(p.host or "")}</p></div></div>
<div class="block"><div class="block-label">Podcast Content</div>
<div class="block-content">{_p(p)}</div></div></div></body></html>"""


def span_rows(p: Page) -> str:
    rows = "".join(
        f'<div class="row"><span class="k">{e(k)}:</span> <span class="v">{e(v)}</span></div>'
        for k, v in p.metadata.items()
    )
    return f"""<html><body><main><h2>{e(p.title)}</h2><p class="byline">— {e(p.show or "")}</p>
<p>{e(p.summary)}</p><section class="meta">{rows}</section>
<section><h3>Host</h3><p>{e(p.host or "")}</p></section>
<section><h3>Podcast Content</h3>{_p(p)}</section></main></body></html>"""


def definition_list(p: Page) -> str:
    dl = "".join(f"<dt>{e(k)}:</dt><dd>{e(v)}</dd>" for k, v in p.metadata.items())
    return f"""<!doctype html><html><body><article><header>
<div class="t"><strong>{e(p.title)}</strong></div><div>— {e(p.show or "")}</div></header>
<div>{e(p.summary)}</div><dl>{dl}</dl>
<div><div><b>Host</b></div><div><span>{e(p.host or "")}</span></div></div>
<div><div><b>Podcast Content</b></div><div>{_p(p)}</div></div></article></body></html>"""


def table_and_breaks(p: Page) -> str:
    rows = "".join(f"<tr><td>{e(k)}:</td><td>{e(v)}</td></tr>" for k, v in p.metadata.items())
    breaks = "<br><br>".join(e(x) for x in _paragraphs(p))
    return f"""<html><body><h1>{e(p.title)}</h1><div>— {e(p.show or "")}</div>
<p>{e(p.summary)}</p><table>{rows}</table><div class="label">Host</div><div>{e(p.host or "")}</div>
<div class="label">Podcast Content</div><div class="rich-text w-richtext">{breaks}</div>
</body></html>"""


def inline_labels(p: Page) -> str:
    rows = "".join(f"<p><strong>{e(k)}:</strong> {e(v)}</p>" for k, v in p.metadata.items())
    return f"""<html><body><div class="page"><p class="title"><strong>{e(p.title)}</strong></p>
<p>— {e(p.show or "")}</p><p>{e(p.summary)}</p>{rows}
<span class="section-label">Host</span><div>{e(p.host or "")}</div>
<span class="section-label">Podcast Content</span>
{"".join(f"<div>{e(x)}</div>" for x in _paragraphs(p))}</div></body></html>"""


MARKUPS: list[Callable[[Page], str]] = [
    webflow,
    nested_blocks,
    span_rows,
    definition_list,
    table_and_breaks,
    inline_labels,
]


@pytest.fixture(scope="module")
def seed_page() -> Page:
    return parse_text_page(need_shared(SEED).read_text(encoding="utf-8"), "seed")


@pytest.mark.parametrize("markup", MARKUPS, ids=lambda m: m.__name__)
def test_seed_in_any_markup_reads_as_its_plain_text_form(
    seed_page: Page, markup: Callable[[Page], str]
) -> None:
    assert seed_page.metadata and seed_page.host and seed_page.summary  # the seed's shape
    page = parse_html_page(markup(seed_page), f"{markup.__name__}.html")
    for name in FIELDS:
        assert getattr(page, name) == getattr(seed_page, name), name


@pytest.mark.parametrize("markup", MARKUPS, ids=lambda m: m.__name__)
def test_a_page_is_read_as_a_page_not_a_transcript(
    seed_page: Page, markup: Callable[[Page], str]
) -> None:
    page, transcript = read_html_file(markup(seed_page), "p.html")
    assert isinstance(page, Page) and transcript is None
