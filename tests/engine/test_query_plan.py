"""How a query's words combine: every word first, then most of them; fillers never required."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchpod import Index
from searchpod.errors import OptionError, QueryError
from searchpod.frontends.cli import main
from searchpod.options import Mode
from searchpod.query.relax import filler_stems
from searchpod.text.analysis import stem


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def test_filler_words_are_those_of_the_question_not_its_subject() -> None:
    assert filler_stems("what similarity laws must be obeyed", stem) == {"what", "must", "be"}
    # "interested" shares its stem with "interest": the subject wins.
    assert filler_stems("I am interested in interest rates", stem) == {"i", "am"}
    # Quoted, or after a field name, a word is meant literally.
    assert filler_stems('"what now" title:how', stem) == frozenset()
    # "e.g." and "i.e." are how a request is written, typed with or without their dots;
    # a letter on its own is the subject ("vitamin e").
    assert filler_stems("abstract algebra, e.g. group theory", stem) == {"e", "g"}
    assert filler_stems("abstract algebra e g group theory etc", stem) == {"e", "g", "etc"}
    assert filler_stems("mixing (i.e. diffusion)", stem) == {"i", "e"}
    assert filler_stems("vitamin e", stem) == frozenset()
    assert filler_stems("vitamin e, e.g. in eggs", stem) == {"g"}


def test_grammar_words_are_filler_in_a_sentence_but_chosen_among_a_few_words() -> None:
    # A remembered line's rarest words: "both" is part of what is sought.
    assert filler_stems("cross ways help both", stem) == frozenset()
    assert filler_stems("might fuck other people", stem) == {"might"}
    # A question: its pronouns and quantifiers are its grammar.
    question = "what did they say about both kinds of lighthouse lamps"
    assert filler_stems(question, stem) == {"what", "did", "they", "about", "both"}


def test_a_question_finds_the_episode_though_its_fillers_are_nowhere(shared_index: Index) -> None:
    results = shared_index.search("I am interested in papers about what octopus minds can do")
    assert ids(results)[:1] == ["shows/eps-3.txt"]


def test_all_words_first_then_most_of_them(shared_index: Index) -> None:
    results = shared_index.search("bakers guilds octopus")
    # No episode holds all three: the one holding two comes first, then the one with one.
    assert results.relaxed
    assert ids(results) == ["shows/eps-2.txt", "shows/eps-3.txt"]


def test_enough_full_matches_are_not_relaxed(tmp_path, episodes_dir) -> None:
    for n in range(4, 16):
        (episodes_dir / f"eps-{n}.txt").write_text(
            f"Eps {n}: Keepers and octopus\n— Deep Water\nKeepers.\nHost\nAnn Lee\n"
            "Podcast Content\nThe keepers fed the octopus.\n"
        )
    with Index.create(tmp_path / "ix") as ix:
        assert ix.add_paths([episodes_dir]).ok
        results = ix.search("keepers octopus")
        assert not results.relaxed and results.total == 13
        # A page that full matches cannot fill goes on with partial ones, after them.
        longer = ix.search("keepers octopus", limit=20)
        assert longer.relaxed and longer.total == 14
        assert ids(longer)[:13] == ids(ix.search("keepers octopus", limit=13))
        assert ids(longer)[13] == "shows/eps-1.txt"
        # Every page of one query sees the same matches: page 2 neither relaxes nor
        # changes the total that page 1 gave.
        pages = [ix.search("keepers octopus", page=p) for p in (1, 2, 3)]
        assert [(p.total, p.relaxed) for p in pages] == [(13, False)] * 3
        assert len({i for p in pages for i in ids(p)}) == 13


def test_any_and_all(shared_index: Index) -> None:
    assert ids(shared_index.search("bakers guilds octopus", all=True)) == []
    anyway = shared_index.search("keepers bakers", any=True)
    assert sorted(ids(anyway)) == ["shows/eps-1.txt", "shows/eps-2.txt", "shows/eps-3.txt"]
    assert not anyway.relaxed
    with pytest.raises(QueryError):
        shared_index.search("keepers", all=True, any=True)


def test_constraints_stay_required_when_relaxed(shared_index: Index) -> None:
    # NOT and fields other than the text's are not words to drop.
    results = shared_index.search("keepers bread NOT octopus")
    assert results.relaxed
    assert sorted(ids(results)) == ["shows/eps-1.txt", "shows/eps-2.txt"]


def test_cli_says_when_results_are_relaxed(built_index: Index) -> None:
    runner = CliRunner()
    base = ["--index", str(built_index.path), "search"]
    out = runner.invoke(main, [*base, "bakers guilds octopus", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["relaxed"] is True
    shown = runner.invoke(main, [*base, "bakers guilds octopus"])
    assert "episodes holding most of them follow" in shown.output
    strict = runner.invoke(main, [*base, "bakers guilds octopus", "--all", "--json"])
    assert json.loads(strict.output)["total"] == 0
    both = runner.invoke(main, [*base, "keepers", "--all", "--any"])
    assert both.exit_code == 2


def test_fillers_alone_never_make_a_match(shared_index: Index) -> None:
    # Episode 3 says "what", and nothing else of this query.
    assert ids(shared_index.search("what bakers guilds")) == ["shows/eps-2.txt"]


def test_fillers_are_not_highlighted(shared_index: Index) -> None:
    hit = shared_index.search("what octopus arms").hits[0]
    marked = {hit.snippets[0].text[s:e].lower() for s, e in hit.snippets[0].highlights}
    assert "arm" in marked and "what" not in marked


def test_mode_is_a_typed_option_with_all_and_any_as_its_flags(shared_index: Index) -> None:
    assert ids(shared_index.search("bakers guilds octopus", mode=Mode.ALL)) == []
    assert ids(shared_index.search("keepers bakers", mode="any")) == ids(
        shared_index.search("keepers bakers", any=True)
    )
    with pytest.raises(OptionError, match="mode 'some'"):
        shared_index.search("keepers", mode="some")
    with pytest.raises(OptionError, match="mode"):
        shared_index.search("keepers", all=True, mode="any")
    # Moments take the same words' mode.
    assert shared_index.moments("bakers guilds octopus", all=True).total == 0
    assert shared_index.moments("bakers guilds octopus").total > 0


def test_a_word_said_twice_in_a_question_weighs_twice(shared_index: Index) -> None:
    # Episode 1 holds "keepers" and not "bread": named twice, the word scores twice.
    once = {h.id: h.score for h in shared_index.search("keepers bread").hits}
    twice = {h.id: h.score for h in shared_index.search("keepers keepers bread").hits}
    assert twice["shows/eps-1.txt"] == pytest.approx(2 * once["shows/eps-1.txt"])
    # "bread" (one episode of three) is rarer than "keepers" (two) and wins alone; named
    # three times, "keepers" is what is asked about.
    assert shared_index.search("keepers bread").hits[0].id == "shows/eps-2.txt"
    assert shared_index.search("keepers keepers keepers bread").hits[0].id == "shows/eps-1.txt"
