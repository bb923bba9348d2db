"""A small show for the moments, API and browser tests: timed transcripts, audio, hostile text.

``lighthouse`` is said in many places of episode 1 (far apart in time, so they are separate
moments) and once in episodes 2 and 3; ``fog horn`` only in episode 1, at ``FOG_HORN_AT``
seconds — inside the generated WAV, so a browser can seek there.
"""

from __future__ import annotations

import functools
import io
import re
import threading
import wave
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import text_page

FOG_HORN_AT = 12.0
WAV_SECONDS = 250
SCRIPT_TEXT = "<script>alert('pwned')</script>"


def _vtt(cues: list[tuple[float, float, str, str]]) -> str:
    def stamp(seconds: float) -> str:
        s = int(seconds)
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}.{int(seconds % 1 * 1000):03d}"

    blocks = [f"{stamp(a)} --> {stamp(b)}\n<v {who}>{text}" for a, b, who, text in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def write_wav(path: Path, seconds: int = WAV_SECONDS) -> Path:
    """A quiet mono WAV of ``seconds`` (8 kHz, 8-bit): small, and any browser plays it."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes([128]) * 8000 * seconds)
    return path


def write_show(folder: Path, media_base: str | None = None) -> Path:
    """``folder`` (created) with three paired page + transcript episodes; returns it.

    With ``media_base`` (an http URL), episode 1's page names ``{media_base}/ep-1.wav`` as its
    audio and the WAV is written beside the pages. Episode 2's page is HTML whose audio and
    page links are ``javascript:`` URLs; episode 3's transcript says a ``<script>`` tag.
    """
    folder.mkdir(parents=True)
    audio = f"| Audio: | {media_base}/ep-1.wav |\n" if media_base else ""
    page = text_page(
        1,
        "Lighthouse keepers of the north",
        "Harbour Lights",
        "Mara Okafor",
        "Keepers lived alone on rocks for months.",
        "Notes for the episode.",
        "2021-03-14",
    ).replace("| Host image:", audio + "| Host image:")
    (folder / "ep-1.txt").write_text(page, encoding="utf-8")
    (folder / "ep-1.vtt").write_text(
        _vtt(
            [
                (0.0, 5.0, "Mara Okafor", "Welcome to Harbour Lights."),
                (5.0, 11.0, "Mara Okafor", "Today the lighthouse keepers of the north."),
                (FOG_HORN_AT, 16.0, "Ostin Brae", "Then the fog horn sounded twice over the bay."),
                (16.0, 19.0, "Mara Okafor", "Nobody answered it."),
                # Enough lines that a share link's line is below the fold on any screen.
                *[
                    (20.0 + n, 21.0 + n, "Ostin Brae", f"Waves broke on the rocks, {n}.")
                    for n in range(38)
                ],
                (60.0, 65.0, "Ostin Brae", "The lighthouse lamp burned whale oil."),
                (120.0, 125.0, "Mara Okafor", "Every lighthouse had a logbook."),
                (180.0, 185.0, "Ostin Brae", "A lighthouse keeper's wage was small."),
                (240.0, 245.0, "Mara Okafor", "The last lighthouse keeper left in 1998."),
            ]
        ),
        encoding="utf-8",
    )
    if media_base:
        write_wav(folder / "ep-1.wav")
    (folder / "ep-2.html").write_text(
        "<html><head><title>Bread and lighthouses</title>"
        '<meta property="og:site_name" content="Harbour Lights">'
        '<meta property="og:audio" content="javascript:alert(1)">'
        '<meta property="og:url" content="javascript:alert(2)">'
        '</head><body><div class="episode-title">Eps 2: Bread and lighthouses</div>'
        "<table><tr><td>Published:</td><td>2022-07-02</td></tr></table>"
        '<div class="host-box"><div class="heading">Host</div><div class="name">Jonas Petrov'
        '</div></div><div class="section-heading">Podcast Content</div>'
        "<p>Bread for the keepers.</p></body></html>",
        encoding="utf-8",
    )
    (folder / "ep-2.vtt").write_text(
        _vtt(
            [
                (30.0, 35.0, "Jonas Petrov", "Bakers delivered bread to the lighthouse by boat."),
                (40.0, 45.0, "Jonas Petrov", "The assize of bread fixed the price."),
            ]
        ),
        encoding="utf-8",
    )
    (folder / "ep-3.txt").write_text(
        text_page(
            3,
            "Octopus minds",
            "Deep Water",
            "Jonas Petrov",
            "Octopuses solve puzzles.",
            "Notes.",
            "2023-11-20",
        ),
        encoding="utf-8",
    )
    (folder / "ep-3.tsv").write_text(
        "start\tend\ttext\n"
        "0\t4000\tAn octopus escaped near the lighthouse aquarium.\n"
        f"4000\t9000\tThen someone typed {SCRIPT_TEXT} into the tank log.\n",
        encoding="utf-8",
    )
    return folder


class MediaServer:
    """Serves a folder's files on 127.0.0.1 with byte ranges (so a browser can seek in audio).

    Stands in for a podcast's own media host: searchpod only links to media, never serves it.
    ``ranges=False`` stands in for a host that ignores ``Range`` (a browser cannot seek).
    """

    def __init__(self, folder: Path, *, ranges: bool = True) -> None:
        kind = _RangeHandler if ranges else _QuietHandler
        handler = functools.partial(kind, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> MediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


class _RangeHandler(_QuietHandler):
    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        first = int(match.group(1))
        last = min(int(match.group(2) or len(data) - 1), len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        return io.BytesIO(data[first : last + 1])

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()
