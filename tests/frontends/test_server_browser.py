"""The page in a real browser: Debian's chromium driven by Playwright, against `searchpod serve`.

The test starts `searchpod serve` on a free loopback port over a fixture index whose first
episode's audio is a WAV the test writes, served by a stand-in media host on another loopback
port. CI installs chromium (.ci/run); elsewhere the test skips, saying why, when it is absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchpod import Index
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
    "--no-proxy-server",  # loopback only: a proxy from the environment must not see these
]
WAIT_MS = 20_000  # generous: the machine is shared
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


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
    with MediaServer(root / "show") as media:
        write_show(root / "show", media_base=media.base)
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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 740})  # a phone
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_search_then_press_a_time_to_play_the_audio_from_that_moment(site, page, tmp_path):
    page.goto(site + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("fog horn")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results li.moment")
    assert "Ostin Brae" in page.inner_text("#results")
    assert page.inner_text("#results mark") == "fog"
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    assert (tmp_path / "results.png").stat().st_size > 0

    time_link = page.locator("#results a.time").first
    assert time_link.inner_text() == "0:12"
    time_link.click()
    assert page.is_visible("#player")
    page.wait_for_function(
        f"() => {{ const a = document.getElementById('audio');"
        f" return a.readyState >= 1 && Math.abs(a.currentTime - {FOG_HORN_AT}) < 1; }}"
    )
    at = page.evaluate("document.getElementById('audio').currentTime")
    assert abs(at - FOG_HORN_AT) < 1
    assert page.url.startswith(site + "/?q=fog")  # played here, did not navigate away


def test_a_share_link_opens_the_transcript_scrolled_to_that_line(site, page):
    page.goto(site + "/e/show/ep-1.txt?t=241")
    line = page.locator("li.cue.current")
    assert line.count() == 1
    assert line.inner_text().endswith("The last lighthouse keeper left in 1998.")
    page.wait_for_function("() => window.scrollY > 0")
    box = page.evaluate(
        "(() => { const r = document.querySelector('li.cue.current').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; })()"
    )
    top, bottom, height = box
    assert top >= 0 and bottom <= height
    audio = page.locator("#episode-audio")
    assert audio.get_attribute("src").endswith("/ep-1.wav#t=241")


def test_a_script_in_a_transcript_shows_as_text(site, page):
    page.goto(site + "/e/show/ep-3.txt")
    assert SCRIPT_TEXT in page.inner_text("#transcript")
    assert page.evaluate("document.scripts.length") == 1  # only /static/app.js
    assert page.dialogs == []
    page.goto(site + "/?q=tank")
    assert SCRIPT_TEXT in page.inner_text("#results")
    assert page.dialogs == []


def test_fits_a_phone_and_follows_the_dark_scheme(site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(site + "/?q=lighthouse")
        page.wait_for_selector("#results li.moment")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = (int(c) for c in background[background.index("(") + 1 : -1].split(","))
        assert max(red, green, blue) < 80, background
    finally:
        context.close()
