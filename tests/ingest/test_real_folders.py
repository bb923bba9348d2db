"""Real archives: transcripts named ``181.tsv`` or ``530-anywidget.vtt`` beside a table of
the episodes or the show's feed. Each transcript gets its episode's title, date, summary
and audio (so snippet links play at the moment), the table is never a failure, and
``--show`` names the show of what names none.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchpod import Index
from searchpod.errors import IngestError
from searchpod.frontends.cli import main
from searchpod.ingest.matching import RowIndex
from searchpod.ingest.sources import facts_from_name
from searchpod.ingest.tables import looks_like_table, parse_episode_table
from tests.conftest import CORPUS, need_shared

WHISPER = "start\tend\ttext\n0\t4000\t{first}\n4000\t9000\t{second}\n"
EPISODES = [
    # number, title, description, record date, release date, audio
    (1, "Kites Over The Harbour", "The first kite festival.", "", "2019-05-02", "k1.mp3"),
    (2, "We’re Out Of Twine", "Twine runs out; a gull helps.", "2019-05-20", "2019-05-30", "k2.mp3"),
    (3, "The Box Kite Affair", "A box kite, a lawyer, a storm.", "", "2019-06-14", "k3.mp3"),
]  # fmt: skip
LINES = {
    1: ("Welcome to the harbour, where the kites are flying.", "The wind came from the west."),
    2: ("We ran out of twine before noon.", "A gull carried the last spool away."),
    3: ("The box kite had a lawyer.", "Then the storm settled the case."),
}
AUDIO = "https://media.kites.example/{}"


def write_transcripts(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (first, second) in LINES.items():
        (folder / f"{n}.tsv").write_text(WHISPER.format(first=first, second=second))
    return folder


def write_tsv_list(folder: Path) -> None:
    rows = ["number\ttitle\tdescription\trecord_date\trelease_date\taudio_link\tvideo_id"]
    rows += [f"{n}\t{t}\t{d}\t{r}\t{p}\t{AUDIO.format(a)}\t" for n, t, d, r, p, a in EPISODES]
    (folder / "episode_list.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_csv_list(folder: Path) -> None:
    # The same list as a spreadsheet exports it, under other column names.
    with (folder / "Episodes export.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Episode #", "Name", "Summary", "Published", "Enclosure URL"])
        for n, title, description, _, published, audio in EPISODES:
            out.writerow([n, title, description, published, AUDIO.format(audio)])


def assert_episodes_described(ix: Index, prefix: str) -> None:
    second = ix.get(f"{prefix}/2.tsv")
    assert second.title == "We’re Out Of Twine"
    assert str(second.published) == "2019-05-30"  # the release date, not the recording's
    assert second.summary == "Twine runs out; a gull helps."
    assert second.media_url == AUDIO.format("k2.mp3")
    assert second.episode == 2
    hit = ix.search("gull spool").hits[0]
    assert hit.title == "We’re Out Of Twine"
    assert hit.snippets[0].link == AUDIO.format("k2.mp3") + "#t=4"


@pytest.mark.parametrize("write_list", [write_tsv_list, write_csv_list])
def test_an_episode_table_describes_the_transcripts_beside_it(
    tmp_path: Path, write_list: object
) -> None:
    folder = write_transcripts(tmp_path / "kites")
    write_list(folder)  # type: ignore[operator]
    ix, report = Index.build(tmp_path / "ix", [folder], show="Kite Hour")
    assert report.ok and len(report.added) == 3 and not report.skipped
    assert_episodes_described(ix, "kites")
    assert ix.stats().shows == {"Kite Hour": 3}
    assert ix.search("gull", show="kite hour").total == 1
    assert ix.search("gull", show="other show").total == 0


def test_the_cli_indexes_a_folder_with_its_table_and_exits_0(tmp_path: Path) -> None:
    folder = write_transcripts(tmp_path / "kites")
    write_tsv_list(folder)
    index = str(tmp_path / "ix")
    out = CliRunner().invoke(main, ["--index", index, "index", str(folder), "--show", "Kites"])
    assert out.exit_code == 0, out.output
    assert "failed" not in out.output.replace("0 failed", "")
    stats = CliRunner().invoke(main, ["--index", index, "stats", "--json"])
    assert json.loads(stats.output)["shows"] == {"Kites": 3}
    # Remembered: a later run without --show keeps it (as watch and feed sync do).
    (folder / "3.tsv").write_text(WHISPER.format(first="Changed.", second="Again."))
    out = CliRunner().invoke(main, ["--index", index, "index", str(folder)])
    assert out.exit_code == 0 and Index(index).get("kites/3.tsv").show == "Kites"


def test_a_table_in_a_folder_above_the_transcripts_and_a_json_table(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    folder = write_transcripts(root / "transcripts")
    # Matched by the file name the table gives, and by guid.
    (folder / "1.tsv").rename(folder / "kites-one.tsv")
    (folder / "2.tsv").rename(folder / "a1b2c3d4-e5f6.tsv")
    data = {
        "podcast": "Kite Hour",
        "episodes": [
            {"title": "One", "file": "kites-one.tsv", "pubDate": "Thu, 02 May 2019 10:00:00 GMT"},
            {"title": "Two", "guid": "A1B2C3D4-E5F6", "enclosure": {"url": AUDIO.format("2.mp3")}},
            {"title": "Three", "episode": 3, "show": "Kite Hour"},
        ],
    }
    (root / "episodes.json").write_text(json.dumps(data), encoding="utf-8")
    ix, report = Index.build(tmp_path / "ix", [root])
    assert report.ok and len(report.added) == 3
    assert ix.get("archive/transcripts/kites-one.tsv").title == "One"
    assert str(ix.get("archive/transcripts/kites-one.tsv").published) == "2019-05-02"
    two = ix.get("archive/transcripts/a1b2c3d4-e5f6.tsv")
    assert (two.title, two.media_url) == ("Two", AUDIO.format("2.mp3"))
    assert ix.get("archive/transcripts/3.tsv").show == "Kite Hour"


def test_a_table_matching_nothing_is_skipped_once_with_the_reason(tmp_path: Path) -> None:
    folder = write_transcripts(tmp_path / "kites")
    (folder / "other-show.csv").write_text("number,title,date\n700,Far Away,2001-01-01\n")
    (folder / "budget.csv").write_text("item,cost\ntwine,3\n")
    ix, report = Index.build(tmp_path / "ix", [folder])
    assert report.ok and len(report.added) == 3
    reasons = {s.reason: s.count for s in report.skipped}
    assert reasons == {
        f"{folder / 'other-show.csv'}: episode table that matched no transcript here (by file "
        "name, guid, episode number, date or title)": 1,
        f"{folder / 'budget.csv'}: not an episode table (no title and number/date column)": 1,
    }
    assert ix.get("kites/2.tsv").title == "Episode 2"


def test_a_changed_table_updates_its_episodes(tmp_path: Path) -> None:
    folder = write_transcripts(tmp_path / "kites")
    write_tsv_list(folder)
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([folder])
    table = folder / "episode_list.tsv"
    table.write_text(table.read_text(encoding="utf-8").replace("Box Kite", "Box-Kite"))
    report = ix.add_paths([folder])
    assert report.updated == ("kites/3.tsv",) and len(report.unchanged) == 2
    assert ix.get("kites/3.tsv").title == "The Box-Kite Affair"


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Lantern Talk</title><link>https://lanterns.example/</link>
<item><title>Paper lanterns</title><guid isPermaLink="false">lt-0012</guid>
<itunes:episode>12</itunes:episode><pubDate>Tue, 07 Mar 2023 10:00:00 +0000</pubDate>
<description>Why paper burns slowly.</description>
<enclosure url="https://lanterns.example/12.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Oil and wicks</title><guid isPermaLink="false">lt-0013</guid>
<pubDate>Tue, 14 Mar 2023 10:00:00 +0000</pubDate>
<enclosure url="https://lanterns.example/13.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Festival of floating lights</title><guid isPermaLink="false">lt-0014</guid>
<pubDate>Tue, 21 Mar 2023 10:00:00 +0000</pubDate>
<enclosure url="https://lanterns.example/14.mp3" type="audio/mpeg" length="1"/></item>
<item><title>No transcript for this one</title><guid isPermaLink="false">lt-0015</guid>
<pubDate>Tue, 28 Mar 2023 10:00:00 +0000</pubDate></item>
</channel></rss>
"""
VTT = "WEBVTT\n\n00:00:02.000 --> 00:00:05.000\n{}\n"


def test_a_feed_beside_transcripts_gives_each_its_item_and_names_the_show(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "lanterns"
    folder.mkdir()
    (folder / "feed.xml").write_text(FEED, encoding="utf-8")
    (folder / "ep12.vtt").write_text(VTT.format("Paper glows amber."))  # item number
    (folder / "lt-0013.vtt").write_text(VTT.format("Wicks need trimming."))  # guid
    (folder / "2023-03-21.vtt").write_text(VTT.format("Lights float downriver."))  # date
    (folder / "festival-of-floating-lights.srt").write_text(  # title
        "1\n00:00:01,000 --> 00:00:03,000\nThe festival ends at dawn.\n"
    )
    ix, report = Index.build(tmp_path / "ix", [folder])
    assert report.ok and not report.skipped
    # Each transcript is its item's, never a second episode; the item without one is not here.
    assert sorted(report.added) == [
        "lanterns/2023-03-21.vtt",
        "lanterns/ep12.vtt",
        "lanterns/festival-of-floating-lights.srt",
        "lanterns/lt-0013.vtt",
    ]
    twelve = ix.get("lanterns/ep12.vtt")
    assert (twelve.title, twelve.show, twelve.summary) == (
        "Paper lanterns", "Lantern Talk", "Why paper burns slowly."
    )  # fmt: skip
    assert ix.get("lanterns/lt-0013.vtt").title == "Oil and wicks"
    assert ix.get("lanterns/2023-03-21.vtt").title == "Festival of floating lights"
    # Two transcripts of one item (by date and by title): both its, neither a new episode.
    assert ix.get("lanterns/festival-of-floating-lights.srt").title == (
        "Festival of floating lights"
    )
    hit = ix.search("wicks trimming").hits[0]
    assert hit.snippets[0].link == "https://lanterns.example/13.mp3#t=2"
    assert ix.stats().shows == {"Lantern Talk": 4}


def test_a_feed_named_with_its_folder_is_still_only_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "lanterns"
    folder.mkdir()
    (folder / "feed.xml").write_text(FEED, encoding="utf-8")
    (folder / "ep12.vtt").write_text(VTT.format("Paper glows amber."))
    ix, report = Index.build(tmp_path / "ix", [folder / "feed.xml", folder])
    assert report.added == ("lanterns/ep12.vtt",)
    assert ix.get("lanterns/ep12.vtt").title == "Paper lanterns"


def test_an_episode_is_named_after_its_good_file_whatever_its_broken_sibling_does(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "films"
    folder.mkdir()
    good = '{"segments": [{"start": 1, "end": 2, "text": "Singing in traffic."}]}'
    (folder / "LaLaLand.json").write_text(good)
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([folder])
    assert [h.id for h in ix.search("traffic").hits] == ["films/LaLaLand.json"]
    # A better transcript arrives and the JSON breaks: one episode, named after the VTT.
    (folder / "LaLaLand.vtt").write_text(VTT.format("Singing in traffic, timed."))
    (folder / "LaLaLand.json").write_text('{"broken": ')
    report = ix.add_paths([folder])
    assert [f.source.rpartition("/")[2] for f in report.failed] == ["LaLaLand.json"]
    assert [h.id for h in ix.search("traffic").hits] == ["films/LaLaLand.vtt"]
    # Fixed, then removed: still that one episode, under the same id.
    (folder / "LaLaLand.json").write_text(good)
    assert ix.add_paths([folder]).ok
    assert [h.id for h in ix.search("traffic").hits] == ["films/LaLaLand.vtt"]
    (folder / "LaLaLand.json").unlink()
    ix.add_paths([folder])
    assert [h.id for h in ix.search("traffic").hits] == ["films/LaLaLand.vtt"]
    assert len(ix) == 1


@pytest.mark.parametrize(
    ("stem", "title"),
    [
        ("we-ve-moved-to-hetzner-write-up", "We've moved to hetzner write up"),
        ("why-aren-t-devs-shipping-faster", "Why aren't devs shipping faster"),
        ("Why aren t devs shipping faster", "Why aren't devs shipping faster"),
        ("if-i-were-a-klingon-programmer", "If I were a klingon programmer"),
        ("059-instagram-disregards-python-s-gc-again", "Instagram disregards python's gc again"),
        ("i-m-sure-you-ll-like-it", "I'm sure you'll like it"),
        ("LaLaLand", "LaLaLand"),
        ("007-Python-3-6-is-out-Sanic", "Python 3 6 is out Sanic"),
    ],
)
def test_titles_from_file_names_keep_apostrophes_and_case(stem: str, title: str) -> None:
    assert facts_from_name(stem).title == title


def test_tables_are_read_in_any_spelling_of_their_columns() -> None:
    text = "EPISODE_NUMBER;Episode Title;Release Date;MP3\n7;Seven;2020-01-02;https://a.example/7.mp3\n"
    (row,) = parse_episode_table(text, "list.csv", suffix=".csv")
    assert (row.episode, row.title, str(row.published), row.media_url) == (
        7, "Seven", "2020-01-02", "https://a.example/7.mp3"
    )  # fmt: skip


def test_harmontown_indexes_cleanly_with_real_titles_dates_and_audio(tmp_path: Path) -> None:
    corpus = need_shared(CORPUS)
    folder = tmp_path / "harmontown"
    folder.mkdir()
    for name in ("1.tsv", "100.tsv", "180.tsv", "episode_list.tsv"):
        shutil.copy(corpus / name, folder / name)
    # The list exported as CSV under other column names matches the same way.
    with (corpus / "episode_list.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    listed = {int(r["number"]): r for r in rows}
    for form in ("tsv", "csv"):
        if form == "csv":
            (folder / "episode_list.tsv").unlink()
            with (folder / "export.csv").open("w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(["Episode", "Episode Title", "Summary", "Published", "Audio URL"])
                for r in rows:
                    out.writerow([r["number"], r["title"], r["description"],
                                  r["release_date"], r["audio_link"]])  # fmt: skip
        index = tmp_path / f"ix-{form}"
        out = CliRunner().invoke(
            main, ["--index", str(index), "index", str(folder), "--show", "Harmontown"]
        )
        assert out.exit_code == 0, out.output
        ix = Index(index)
        for n in (1, 100, 180):
            episode = ix.get(f"harmontown/{n}.tsv")
            assert episode.title == listed[n]["title"]
            assert str(episode.published) == listed[n]["release_date"]
            assert episode.media_url == listed[n]["audio_link"]
        hit = ix.search("harmontown", show="Harmontown").hits[0]
        assert hit.snippets[0].link is not None and "#t=" in hit.snippets[0].link
        assert ix.stats().shows == {"Harmontown": 3}


def test_feed_add_show_names_the_episodes_of_a_feed_that_names_none(tmp_path: Path) -> None:
    untitled = FEED.replace("<title>Lantern Talk</title>", "")
    feed = tmp_path / "untitled.xml"
    feed.write_text(untitled, encoding="utf-8")
    index = str(tmp_path / "ix")
    runner = CliRunner()
    out = runner.invoke(main, ["--index", index, "feed", "add", str(feed), "--show", "Lanterns"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(main, ["--index", index, "feed", "sync"]).exit_code == 0
    assert Index(index).stats().shows == {"Lanterns": 4}


@given(st.text(max_size=300), st.sampled_from([".csv", ".tsv", ".json"]))
def test_any_text_is_a_table_or_a_clear_refusal(text: str, suffix: str) -> None:
    looks_like_table(text, suffix)
    try:
        rows = parse_episode_table(text, "t" + suffix, suffix=suffix)
    except IngestError as exc:
        assert exc.source == "t" + suffix
        return
    RowIndex(rows).find("12-some-name")
