"""Transcripts as publishers ship them, all in one folder with broken files beside them.

Every good file must be found by each of its words, each word's snippet must carry the
time of the source cue that holds it (within 1 s) and the speaker the file itself gives.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod import Index
from searchpod.frontends.cli import main
from searchpod.text.analysis import analyse

SHAPES = Path(__file__).parents[1] / "fixtures" / "shapes"
ANA, FELIX, MARA, OSTIN = "Ana Lima", "Felix Grant", "Mara Quill", "Ostin Brae"
LANTERN_WORDS = [("On", 0.5), ("Friday", 0.7), (",", 1.1), ("the", 1.2), ("2nd", 1.4),
                 (",", 1.7), ("lanterns", 1.9), ("float", 2.6), ("downriver", 3.1), (".", 3.8),
                 ("Wooden", 40.0), ("boats", 40.4), ("sink", 40.9), ("quickly", 41.3),
                 ("!", 41.9)]  # fmt: skip

# Each good file: its title, and its source cues as the file marks them (start, speaker, text).
GOOD: dict[str, tuple[str, list[tuple[float | None, str | None, str]]]] = {
    "podcastindex.html": ("Lighthouse Keepers, episode 12", [
        (0, ANA, "Welcome back to the lighthouse hour, where lamps never sleep."),
        (30, FELIX, "Thanks Ana. Today the keepers polish brass fittings."),
        (3723, ANA, "Don't forget the foghorn calibration."),
    ]),
    "glassworks.htm": ("Glassworks", [
        (65, MARA, "The furnace runs at eleven hundred degrees."),
        (100, OSTIN, "Annealing ovens cool overnight."),
        (135, MARA, "Cullet is recycled shards."),
    ]),
    "inline-labels.html": ("Cheese Cave", [
        (5, ANA, "Rennet curdles warm milk."),
        (48, FELIX, "Brine baths season wheels of gouda."),
        (48, FELIX, "Rinds grow bloomy moulds."),
        (150, ANA, "Affineurs turn cheeses weekly."),
    ]),
    "regatta.html": ("Regatta Radio", [
        (4, MARA, "Spinnakers billow downwind."),
        (31, OSTIN, "Tacking needs crisp winches."),
        (72, MARA, "Buoys mark each leg."),
    ]),
    # An episode page whose content is a timed transcript: page fields, transcript cues.
    "harbour-page.html": ("Eps 31: Harbour pilots", [
        (5, ANA, "Tugboats nudge freighters."),
        (40, FELIX, "Pilots board by rope ladder."),
        (130, ANA, "Hawsers hold moored hulls."),
    ]),
    "otter.txt": ("Otter", [
        (3, ANA, "Bridges rust from within."),
        (15, FELIX, "Galvanised girders resist corrosion."),
        (70, ANA, "Primer paint helps too."),
    ]),
    "kettles.txt": ("Kettles", [
        (0, None, "Welcome to kettle talk, episode nine."),
        (9, None, "Second line about copper kettles."),
        (75, None, "Whistling spouts come next."),
    ]),
    "seaweed.txt": ("Seaweed", [
        (755, MARA, "Harvesting starts at low tide."),
        (782, OSTIN, "Kelp forests shelter otters."),
        (850, MARA, "Dulse tastes smoky when fried."),
    ]),
    "marmots.txt": ("Marmots", [
        (None, ANA, "Marmots whistle when hawks circle."),
        (None, FELIX, "Pikas gather hay for winter."),
        (None, ANA, "Burrows stay frostless."),
    ]),
    "beekeeping.md": ("Beekeeping Basics, Episode 7", [
        (0, ANA, "Welcome to the apiary. See our hive guide for details."),
        (235, FELIX, "Queens lay two thousand eggs daily — that's plenty."),
        (450, ANA, "Smokers calm the colony before inspection."),
        (450, ANA, "Propolis seals cracks."),
    ]),
    "origami.json": ("Origami", [
        (1.5, None, "Origami cranes need square paper."),
        (4.0, None, "Valley folds come"),
        (7.25, None, "before mountain creases."),
        (65, None, "Washi tears cleanly."),
    ]),
    "tidepool.json": ("Tidepool", [
        (0.5, ANA, "Anemones"),
        (1.0, ANA, "sting"),
        (1.4, ANA, "shrimp."),
        (95.2, FELIX, "Urchins"),
        (96.0, FELIX, "graze algae."),
    ]),
    "fjords.json": ("Fjords", [
        (0.0, None, "Fjords were carved"),
        (3.2, None, "by glacial ice."),
        (301.7, None, "Sediment settles slowly."),
    ]),
    "interview.txt": ("Interview", [
        (None, ANA, "Thanks for joining our apiculture chat."),
        (None, FELIX, "Happy to talk about wax moths. They damage frames badly."),
        (None, ANA, "How do you stop them?"),
        (None, FELIX, "Freezing frames overnight works."),
    ]),
    "pottery.json": ("Pottery", [
        (61, MARA, "Stoneware fires hotter than earthenware."),
        (64, OSTIN, "Glazes contain silica"),
        (69.5, OSTIN, "and feldspar."),
        (125.25, MARA, "Kilns need venting."),
    ]),
    "lanterns.json": ("Lanterns", [(start, None, word) for word, start in LANTERN_WORDS]),
    "glaciers.vtt": ("Glaciers", [
        (1, ANA, "Felix: you mentioned moraines?"),  # <v> wins over the text's label
        (4.5, ANA, "Yes, terminal ones mostly."),
        (9, FELIX, "Crevasses open each summer,"),
        (12, FELIX, "and seracs topple without warning."),
    ]),
    "stray-label.vtt": ("Stray label", [
        (1, None, "JOE: hold that thought about sourdough."),  # one label: not a speaker
        (3, None, "Starters need daily feeding,"),
        (5, None, "flour and water only."),
        (7, None, "Levain rises overnight."),
        (9, None, "Bannetons shape the loaf."),
        (11, None, "Scoring releases steam."),
        (13, None, "Crumb should look open."),
        (15, None, "Crusts crackle while cooling."),
    ]),
    "falconry.srt": ("Falconry", [
        (2, ANA, "Falconry needs patience"),
        (5, ANA, "and leather gauntlets."),
        (10, FELIX, "Hoods keep hawks calm."),
        (13, FELIX, "Jesses attach at the ankle."),
        (20, ANA, "Lures mimic prey."),
    ]),
    "LaLaLand.tsv": ("LaLaLand", [
        (0, None, "Telescopes gather starlight."),
        (3.2, None, "Mirrors beat lenses"),
        (9, None, "for large apertures."),
        (615.4, None, "Nebulae glow faintly."),
    ]),
    "530-anywidget.vtt": ("Anywidget", [
        (2, None, "Widgets render inside notebooks."),
        (45, None, "Traitlets synchronise state."),
    ]),
    "news_2024-01-25.srt": ("News 2024-01-25", [
        (0.5, None, "Headlines about tramways today."),
        (30, None, "Funicular repairs finished early."),
    ]),
    # Beside a broken ep.json: the episode is its good file's, and named after it.
    "ep.vtt": ("Ep", [(7, None, "Tapestries hang in castles.")]),
}  # fmt: skip
BROKEN = {
    "broken.html": "not an episode page or a transcript",
    "empty.srt": "no cues found",
    "ep.json": "not a transcript JSON",
}
# Words on their own; contractions ("Don't") are searched as phrases below.
WORD = re.compile(r"(?<!['’])\b[A-Za-z0-9]{3,}\b(?!['’])")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix, _ = Index.build(tmp_path_factory.mktemp("shapes") / "ix", [SHAPES])
    return ix


def _stems(text: str) -> list[str]:
    return analyse(text)


def _unique_stems() -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, cues in GOOD.values():
        for _, _, text in cues:
            for stem in set(_stems(text)):
                counts[stem] = counts.get(stem, 0) + 1
    return counts


def test_mixed_folder_indexes_every_good_file_names_each_bad_one_lists_skipped(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        main, ["--index", str(tmp_path / "ix"), "index", str(SHAPES), "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == len(GOOD)
    failed = {Path(f["source"]).name: f["reason"] for f in report["failed"]}
    assert failed.keys() == BROKEN.keys()
    for name, reason in BROKEN.items():
        assert failed[name].startswith(reason), failed[name]
    assert {(s["suffix"], s["count"]) for s in report["skipped"]} == {(".md", 1), (".xyz", 1)}
    assert any("README" in s["reason"] for s in report["skipped"])
    again = CliRunner().invoke(
        main, ["--index", str(tmp_path / "ix"), "index", str(SHAPES), "--json"]
    )
    assert again.exit_code == 1  # nothing changed, and the broken files are named again
    report = json.loads(again.stdout)
    assert (report["added"], report["unchanged"]) == (0, len(GOOD))
    assert {Path(f["source"]).name for f in report["failed"]} == BROKEN.keys()
    plain = CliRunner().invoke(main, ["--index", str(tmp_path / "ix2"), "index", str(SHAPES)])
    assert "skipped 2 files: 1 .md (README files are notes, not episodes), 1 .xyz" in plain.output


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_word_found_at_its_source_cue_time_with_the_files_speaker(
    index: Index, name: str
) -> None:
    title, cues = GOOD[name]
    episode_id = f"shapes/{name}"
    assert index.get(episode_id).title == title
    unique = _unique_stems()
    for start, speaker, text in cues:
        checked = 0
        for word in WORD.findall(text):
            stems = _stems(word)
            if not stems:
                continue  # a stop word
            hits = {h.id: h for h in index.search(word, limit=50).hits}
            assert episode_id in hits, f"{word!r} of {name} not found"
            if unique[stems[0]] != 1:
                continue
            snippet = hits[episode_id].snippets[0]
            lo, hi = snippet.highlights[0]
            assert _stems(snippet.text[lo:hi]) == stems
            if start is None:
                assert snippet.start is None
            else:
                assert snippet.start == pytest.approx(start, abs=1.0), (name, word)
            assert snippet.speaker == speaker, (name, word)
            checked += 1
        assert checked or not _stems(text), f"no word of {text!r} checked"


def test_display_text_reads_whole_without_markup(index: Index) -> None:
    assert "On Friday, the 2nd, lanterns float downriver." in index.get("shapes/lanterns.json").body
    body = index.get("shapes/beekeeping.md").body
    assert "**" not in body and "](" not in body and "&mdash;" not in body and "`" not in body
    assert "See our hive guide for details." in body  # the link keeps its text
    assert index.search('"our hive guide"').total == 1
    assert [h.id for h in index.search('"don\'t forget"').hits] == ["shapes/podcastindex.html"]
    assert [h.id for h in index.search('"that\'s plenty"').hits] == ["shapes/beekeeping.md"]


def test_file_names_give_number_date_and_title_case(index: Index) -> None:
    assert index.get("shapes/530-anywidget.vtt").episode == 530
    assert str(index.get("shapes/news_2024-01-25.srt").published) == "2024-01-25"
    assert index.get("shapes/LaLaLand.tsv").title == "LaLaLand"
    results = index.search("widgets OR tramways", sort="newest")
    assert results.hits[0].id == "shapes/news_2024-01-25.srt"
    assert any("1 of 2 results have no date" in w for w in results.warnings)


def test_page_with_a_timed_transcript_keeps_page_fields_and_times(index: Index) -> None:
    episode = index.get("shapes/harbour-page.html")
    assert (episode.episode, episode.host, episode.show) == (31, "Ana Lima", "Harbour Hour")
    assert episode.body.count("Tugboats") == 1  # indexed once, as a timed cue


def test_good_transcript_beside_a_broken_one_is_read_from_its_own_file(index: Index) -> None:
    episode = index.get("shapes/ep.vtt")
    assert episode.source.endswith("ep.vtt")
    assert episode.cues[0].start == 7.0


def test_stats_counts_only_timed_transcripts_as_timed(index: Index) -> None:
    stats = index.stats()
    assert stats.episodes == len(GOOD)
    untimed = [name for name, (_, cues) in GOOD.items() if cues[0][0] is None]
    assert sorted(untimed) == ["interview.txt", "marmots.txt"]
    assert stats.timed_episodes == len(GOOD) - len(untimed)


def test_speaker_labels_can_be_turned_off(tmp_path: Path) -> None:
    ix, _ = Index.build(tmp_path / "ix", [SHAPES], speaker_labels=False)
    falconry = ix.get("shapes/falconry.srt")
    assert {c.speaker for c in falconry.cues} == {None}
    assert falconry.cues[0].text.startswith("Ana Lima: Falconry")
    assert ix.get("shapes/glaciers.vtt").cues[0].speaker == ANA  # <v> still counts
    assert ix.get("shapes/marmots.txt").cues[1].speaker == FELIX
    cli = CliRunner().invoke(
        main, ["--index", str(tmp_path / "ix2"), "index", "--no-speaker-labels", str(SHAPES)]
    )
    assert cli.exit_code == 1
    assert Index(tmp_path / "ix2").search("falconry", speaker="lima").total == 0


def test_show_at_starts_at_the_source_cue_said_then(tmp_path: Path) -> None:
    index = str(tmp_path / "ix")
    CliRunner().invoke(main, ["--index", index, "index", str(SHAPES)])
    shown = CliRunner().invoke(main, ["--index", index, "show", "shapes/falconry.srt", "--at", "6"])
    first = shown.stdout.split("\n\n", 1)[1].splitlines()[0]
    assert first == "[00:00:05] Ana Lima: and leather gauntlets."
    data = json.loads(
        CliRunner()
        .invoke(main, ["--index", index, "show", "shapes/falconry.srt", "--at", "6", "--json"])
        .stdout
    )
    assert (data["cues"][0]["start"], data["cues"][0]["text"]) == (5.0, "and leather gauntlets.")
