"""The page in a real browser: Debian's chromium driven by Playwright, against `searchpod serve`.

The test starts `searchpod serve` on a free loopback port over a fixture index whose first
episode's audio is a WAV the test writes, served with HTTP range requests (so the browser can
seek) by a stand-in media host on another loopback port. CI installs chromium and axe-core
(.ci/run); elsewhere the test skips, saying why, when chromium is absent.

Screenshots (phone, dark, desktop) are kept in ``tests/artifacts/browser/`` (ignored by git),
or in ``$SEARCHPOD_ARTIFACTS`` when set.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchpod import Index
from tests.conftest import text_page
from tests.serve_helpers import FOG_HORN_AT, SCRIPT_TEXT, MediaServer, write_show

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--no-proxy-server",  # loopback only: a proxy from the environment must not see these
]
WAIT_MS = 20_000  # generous: the machine is shared
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SEARCHPOD_ARTIFACTS") or ROOT / "tests" / "artifacts" / "browser")
AXE = Path(
    os.environ.get("SEARCHPOD_AXE") or ROOT / ".ci-npm" / "node_modules" / "axe-core" / "axe.min.js"
)
EPISODE = "/e/show/ep-1.txt"
LAST_KEEPER = "The last lighthouse keeper left in 1998."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `searchpod serve` over the fixture show, its audio on a media host."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not installed (apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("browser")
    with MediaServer(root / "show") as media, MediaServer(root / "show", ranges=False) as plain:
        write_show(root / "show", media_base=media.base)
        _write_unseekable_episode(root / "show", plain.base)
        Index.build(root / "index", [root / "show"])
        port = _free_port()
        # The console script itself, as a user runs it.
        program = Path(sys.executable).with_name("searchpod")
        server = subprocess.Popen(
            [str(program), "--index", str(root / "index"), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
            server.stderr.close()


def _write_unseekable_episode(folder: Path, media_base: str) -> None:
    """Episode 4, whose audio host does not answer range requests."""
    page = text_page(4, "Fog signals", "Harbour Lights", "Mara Okafor", "Horns.", "Notes.")
    audio = f"| Audio: | {media_base}/ep-1.wav |\n"
    (folder / "ep-4.txt").write_text(page.replace("| Host image:", audio + "| Host image:"))
    (folder / "ep-4.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nA diaphone groans.\n\n"
        "00:02:00.000 --> 00:02:05.000\nA siren wails.\n"
    )


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"searchpod serve exited: {server.stderr.read().decode()}")
        try:
            with DIRECT.open(f"{base}/api/stats", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("searchpod serve did not answer within 60 s")


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _context(browser, **options):
    options.setdefault("viewport", {"width": 390, "height": 740})  # a phone
    context = browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    return context


@pytest.fixture
def page(browser):
    context = _context(browser)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }",
        selector,
    )


def _overlap(page, a: str, b: str) -> bool:
    return page.evaluate(
        "([a, b]) => { const r = document.querySelector(a).getBoundingClientRect();"
        " const s = document.querySelector(b).getBoundingClientRect();"
        " return r.top < s.bottom && s.top < r.bottom; }",
        [a, b],
    )


def _audio_ready(page) -> None:
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")


def _seek(page, seconds: float) -> None:
    _audio_ready(page)
    page.evaluate(f"document.getElementById('audio').currentTime = {seconds}")


def _wait_current(page, words: str) -> None:
    """Wait until the marked transcript line says ``words``."""
    page.wait_for_function(
        "(w) => (document.querySelector('.cue.current')?.textContent || '').includes(w)", arg=words
    )


def test_results_are_grouped_by_episode_with_moments_in_time_order(site, page):
    page.goto(site + "/?q=lighthouse")
    groups = page.locator("#results > li.group")
    titles = groups.locator("h2").all_inner_texts()
    assert len(titles) == len(set(titles)) == 3  # each episode's title once
    first = groups.filter(has_text="Lighthouse keepers of the north")
    assert first.locator(".meta").inner_text().startswith("Harbour Lights · episode 1 · 2021-03-14")
    times = first.locator("li.moment a.time").all_inner_texts()
    assert len(times) >= 3
    seconds = [int(m) * 60 + int(s) for m, s in (t.split(":") for t in times)]
    assert seconds == sorted(seconds)
    # Every timed moment can be played and shared; sharing quotes it, with its link.
    shares = first.locator("li.moment a.share-link")
    assert shares.count() == len(times)
    shares.first.click()
    assert page.is_visible("#share-dialog")
    assert page.input_value("#share-link") == site + shares.first.get_attribute("href")
    assert "Today the lighthouse keepers of the north." in page.inner_text("#share-quote")
    assert page.url == site + "/?q=lighthouse"


def test_keyboard_only_search_then_play_a_moment(site, page):
    page.goto(site + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("fog horn")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results li.moment")
    assert page.url == site + "/?q=fog+horn"  # no empty filters in the URL
    assert page.inner_text("#results mark") == "fog"
    for _ in range(20):  # Tab to the first time, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('time')"):
            break
    assert page.evaluate("document.activeElement.textContent") == "0:12"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.is_visible("#player")
    page.wait_for_function(
        "() => { const a = document.getElementById('audio');"
        f" return a.readyState >= 1 && Math.abs(a.currentTime - {FOG_HORN_AT}) < 1; }}"
    )
    assert page.url.startswith(site + "/?q=fog")  # played here, did not navigate away


def test_a_share_link_shows_its_line_beside_the_player(site, page):
    page.goto(site + "/?q=whale")
    share = page.locator("#results a.share-link").first.get_attribute("href")
    assert re.fullmatch(r"/e/show/ep-1\.txt\?t=60&q=whale#c\d+", share)
    page.goto(site + share)
    line = page.locator("li.cue.current")
    assert line.count() == 1
    assert "The lighthouse lamp burned whale oil." in line.inner_text()
    page.wait_for_function("() => window.scrollY > 0")
    assert _in_view(page, "li.cue.current")
    assert _in_view(page, "#player") and page.is_visible("#audio")
    assert not _overlap(page, "li.cue.current", "#player")
    assert page.get_attribute("#audio", "src").endswith("/ep-1.wav#t=60")
    page.wait_for_function("() => Math.abs(document.getElementById('audio').currentTime - 60) < 1")
    assert page.is_hidden("#seek-note")


def test_audio_that_cannot_seek_is_said_beside_the_player(site, page):
    page.goto(site + "/e/show/ep-4.txt?t=120")
    note = page.locator("#seek-note")
    note.wait_for(state="visible")
    assert "does not allow jumping to a time" in note.inner_text()
    assert "2:00" in note.inner_text()
    assert _in_view(page, "#seek-note")


def test_without_javascript_a_share_link_lands_on_its_line(site, browser):
    context = _context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + "/?q=keeper")
        moment = page.locator("#results li.moment", has_text="1998")
        share = moment.locator("a.share-link").get_attribute("href")
        page.goto(site + share)
        line = page.locator("li.cue[aria-current=true]")
        assert LAST_KEEPER in line.inner_text()
        assert page.evaluate("window.scrollY") > 0
        assert _in_view(page, "li.cue[aria-current=true]")
        assert page.is_visible("#audio")  # the player shows without a script too
        assert not page.is_visible("#share-dialog")
    finally:
        context.close()


def test_the_transcript_follows_playback_until_the_reader_scrolls_away(site, page):
    page.goto(site + EPISODE)
    _seek(page, FOG_HORN_AT + 1)
    _wait_current(page, "fog horn")
    _seek(page, 61)
    _wait_current(page, "whale oil")
    assert page.locator(".cue.current").count() == 1
    # Playing, the marked line is kept in view as it moves.
    page.evaluate("document.getElementById('audio').play()")
    page.wait_for_function("() => !document.getElementById('audio').paused")
    _seek(page, 240.5)
    _wait_current(page, "1998")
    page.wait_for_function(
        "() => { const r = document.querySelector('.cue.current').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    # The reader scrolls away: the page stops following and offers the way back.
    page.mouse.move(200, 300)
    page.mouse.wheel(0, -3000)
    page.wait_for_selector("#back-to-now", state="visible")
    page.wait_for_function(
        "() => document.querySelector('.cue.current').getBoundingClientRect().top > innerHeight"
        " || document.querySelector('.cue.current').getBoundingClientRect().bottom < 0"
    )
    page.click("#back-to-now")
    assert _in_view(page, "li.cue.current")
    assert page.is_hidden("#back-to-now")
    page.evaluate("document.getElementById('audio').pause()")


def test_search_within_an_episode_steps_through_the_matches(site, page):
    page.goto(site + EPISODE)
    page.fill("#find-q", "lighthouse")
    page.press("#find-q", "Enter")
    page.wait_for_function("() => document.getElementById('find-status').textContent === '1 of 5'")
    assert page.locator("#transcript mark").count() == 5
    first = page.inner_text("#transcript mark.here >> xpath=ancestor::li")
    assert "Today the lighthouse keepers" in first
    page.press("#find-q", "Enter")
    assert page.inner_text("#find-status") == "2 of 5"
    assert _in_view(page, "#transcript mark.here")
    page.click("#find-next")
    page.click("#find-next")
    page.click("#find-next")
    assert page.inner_text("#find-status") == "5 of 5"
    assert LAST_KEEPER in page.inner_text("#transcript mark.here >> xpath=ancestor::li")
    page.press("#find-q", "Shift+Enter")
    assert page.inner_text("#find-status") == "4 of 5"
    assert page.url == site + EPISODE  # searched in place: the audio keeps playing


def test_share_at_the_current_time_quotes_the_line(site, page):
    page.goto(site + EPISODE)
    _seek(page, 240.5)
    _wait_current(page, "1998")
    page.click("#share-now")
    assert page.is_visible("#share-dialog")
    link = page.input_value("#share-link")
    line_id = page.get_attribute("li.cue.current", "id")
    assert link == f"{site}{EPISODE}?t=240#{line_id}"
    assert LAST_KEEPER in page.inner_text("#share-quote")
    assert "Mara Okafor" in page.inner_text("#share-quote")
    page.click("#share-copy")
    page.wait_for_function("() => document.getElementById('share-status').textContent !== ''")
    page.keyboard.press("Escape")
    assert not page.is_visible("#share-dialog")
    page.goto(link)
    assert LAST_KEEPER in page.inner_text("li.cue.current")


def test_an_episode_resumes_where_the_listener_left_off(site, page):
    page.goto(site + EPISODE)
    _seek(page, 181)
    _wait_current(page, "wage")
    page.evaluate("document.getElementById('audio').play()")
    page.wait_for_function("() => !document.getElementById('audio').paused")
    page.evaluate("document.getElementById('audio').pause()")
    page.goto(site + "/")
    page.goto(site + EPISODE)
    _audio_ready(page)
    page.wait_for_function("() => Math.abs(document.getElementById('audio').currentTime - 181) < 2")
    assert page.is_visible("#resume")
    assert "3:01" in page.inner_text("#resume")
    assert "wage was small" in page.inner_text("li.cue.current")
    assert _in_view(page, "li.cue.current")
    page.click("#start-over")
    assert page.evaluate("document.getElementById('audio').currentTime") < 1
    page.goto(site + EPISODE)
    _audio_ready(page)
    assert page.is_hidden("#resume")


def test_a_script_in_a_transcript_shows_as_text(site, page):
    page.goto(site + "/e/show/ep-3.txt")
    assert SCRIPT_TEXT in page.inner_text("#transcript")
    assert page.evaluate("document.scripts.length") == 1  # only /static/app.js
    assert page.dialogs == []
    page.goto(site + "/?q=tank")
    assert SCRIPT_TEXT in page.inner_text("#results")
    assert page.dialogs == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_fits_a_phone_in_either_scheme_and_keeps_screenshots(site, browser, scheme):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = _context(browser, viewport={"width": 360, "height": 640}, color_scheme=scheme)
    try:
        page = context.new_page()
        for name, path in (("results", "/?q=lighthouse"), ("episode", EPISODE + "?t=60")):
            page.goto(site + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            shot = ARTIFACTS / f"phone-{scheme}-{name}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 0
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(c) for c in background[background.index("(") + 1 : -1].split(","))
        assert (max(red, green, blue) < 80) == (scheme == "dark"), background
    finally:
        context.close()


def test_browse_the_shows_and_episodes(site, page):
    page.goto(site + "/")
    assert "4 episodes" in page.inner_text("#stats")
    page.click("text=Browse all episodes")
    rows = page.locator(".episode-list tbody tr")
    assert rows.count() == 4
    page.select_option("select[name=show]", "Harbour Lights")
    page.click(".browse-form button")
    assert page.url == site + "/episodes?show=Harbour+Lights"  # the default order left out
    assert page.locator(".episode-list tbody tr").count() == 3


# What axe-core calls serious or critical must not be there; without axe, our own checks.
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_problems(site, browser, scheme):
    context = _context(browser, color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        for path in ("/", "/?q=lighthouse", EPISODE + "?t=60&q=lamp", "/episodes"):
            page.goto(site + path)
            _check_labels(page)
            if AXE.exists():
                page.add_script_tag(path=str(AXE))
                found = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                    ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
                )
                assert found == [], f"{path}: {found}"
            else:
                if os.environ.get("CI"):
                    pytest.fail(f"axe-core not found at {AXE} (.ci/run installs it)")
                _check_contrast(page)
    finally:
        context.close()


def _check_labels(page) -> None:
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, select, button, a[href], audio')]
            .filter(e => e.offsetParent !== null || e.tagName === 'AUDIO')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !(e.textContent || '').trim())
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    # The audio element is named by its region ("Player"); everything else by its own text.
    assert [u for u in unnamed if not u.startswith("<audio")] == []


def _check_contrast(page) -> None:
    low = page.evaluate(
        """() => {
          const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
              if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; }
              return getComputedStyle(document.body).backgroundColor; };
          const bad = [];
          for (const e of document.querySelectorAll('a, p, span, mark, h1, h2, li, label, button, summary, td, th')) {
            if (!e.offsetParent || !e.textContent.trim()) continue;
            const [a, b] = [lum(getComputedStyle(e).color), lum(bg(e))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) bad.push(e.tagName + ' ' + ratio.toFixed(2) + ' ' + e.textContent.slice(0, 30));
          }
          return bad; }"""
    )
    assert low == []
