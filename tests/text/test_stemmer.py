"""searchpod.text.stemmer gives NLTK's English Snowball stems, and no searchpod run imports nltk.

NLTK is the reference: a stem that differs would put a word under another term than the
indexes built with NLTK hold, and searches would silently miss it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from nltk.stem.snowball import SnowballStemmer

from searchpod.indexing.store import IndexDir, StemShards
from searchpod.text import stemcheck
from searchpod.text.analysis import TOKEN_PATTERN, normalise
from searchpod.text.stemcheck import differences
from searchpod.text.stemmer import stem
from tests.conftest import REPO, SHARED, need_shared

nltk_stem = SnowballStemmer("english").stem


def distinct_words(folder: Path) -> set[str]:
    """Every distinct token of every file under ``folder``, as the analyser would stem it."""
    chunks: set[str] = set()
    for path in folder.rglob("*"):
        if path.is_file():
            chunks.update(path.read_text(encoding="utf-8", errors="replace").split())
    # Tokenising each distinct chunk once, not all 66 MB of text, keeps this test quick; and
    # the analyser never stems numbers (200,000 distinct ones in the corpus's cue times).
    words = {normalise(word) for chunk in chunks for word in TOKEN_PATTERN.findall(chunk)}
    return {word for word in words if not word.isdigit()}


def test_stems_of_the_bundled_data_are_nltks() -> None:
    words = distinct_words(REPO / "data")
    assert len(words) > 2_000
    assert differences(words) == []


def test_stems_of_the_shared_corpus_are_nltks() -> None:
    # harmontown, pythonbytes and cranfield: ~60,000 distinct words, aeronautics included.
    words = distinct_words(need_shared(SHARED / "corpus"))
    assert len(words) > 50_000
    assert differences(words) == []


def test_the_check_command_lists_words_whose_stems_differ(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stemcheck.main(["generously", "skies", "running"]) == 0
    assert "3 words, 0 different from NLTK" in capsys.readouterr().err
    monkeypatch.setattr(stemcheck, "stem", lambda word: word)  # a broken copy is caught
    assert stemcheck.main(["generously", "skies", "ski"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "generously\tsearchpod generously\tnltk generous",
        "skies\tsearchpod skies\tnltk sky",
    ]
    assert "3 words, 2 different from NLTK" in out.err


def test_known_stems() -> None:
    # A few from the Snowball reference vocabulary, and NLTK's own special words.
    cases = {
        "consolingly": "consol",
        "generously": "generous",
        "communication": "communic",
        "arsenal": "arsenal",
        "skies": "sky",
        "dying": "die",
        "news": "news",
        "succeeding": "succeed",
        "cried": "cri",
        "ties": "tie",
        "hopping": "hop",
        "hoped": "hope",
        "sayings": "say",
        "youth": "youth",
        "kayak's": "kayak",
        "'tis": "tis",
        "don’t": "don't",
        "mp3s": "mp3s",  # no vowel before the "s" but the one next to it
        "cafés": "café",
    }
    assert {word: stem(word) for word in cases} == cases
    assert {word: nltk_stem(word) for word in cases} == cases


# Word pieces that reach every rule: suffixes of each step, the special prefixes, y and
# apostrophes; mixed with single letters, digits and accented letters.
PIECES = [
    *"abcdefghijklmnopqrstuvwxyz0123456789'’‘‛éüçñßø",
    *"ational tional ization ation ator iveness iviti biliti bli ogi li enci anci abli fulness".split(),
    *"fulli lessli entli alism aliti alli ousli ousness izer alize icate iciti ative ical".split(),
    *"ness ful ement ment ance ence able ible ant ent ism ate iti ous ive ize ion al er ic".split(),
    *"eed eedly ing ingly ed edly s ies ied sses us ss 's 's' y ly ll gener commun arsen".split(),
]


@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
@example("yyy")
@example("'s'")
@example("generational")
def test_generated_words_from_rule_pieces_stem_as_nltk(word: str) -> None:
    assert stem(word) == nltk_stem(word)
    assert stem(normalise(word)) == nltk_stem(normalise(word))


@given(st.text(st.characters(categories=("L", "N", "Mn")) | st.sampled_from("'’"), max_size=20))
def test_generated_words_of_any_letters_stem_as_nltk(text: str) -> None:
    # Whatever the tokeniser may hand over: any script, digits, accents before normalise.
    for token in TOKEN_PATTERN.findall(text):
        word = normalise(token)
        assert stem(word) == nltk_stem(word)


PROBE = """
import json, sys
from searchpod.frontends.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "nltk": "nltk" in sys.modules}))
"""


def run_cli_in_fresh_process(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("query", ["zeppelins", "unfathomably generous keepers"])
def test_search_for_words_the_stem_table_lacks_imports_no_nltk(built_index, query: str) -> None:
    stems = StemShards(IndexDir(built_index.path).current())
    assert stems.lookup("keepers") is not None
    assert stems.lookup("zeppelins") is None and stems.lookup("unfathomably") is None
    ran = run_cli_in_fresh_process("--index", str(built_index.path), "search", query)
    assert ran == {"code": 0, "nltk": False}


def test_indexing_new_words_imports_no_nltk(built_index, episodes_dir: Path) -> None:
    (episodes_dir / "eps-7.txt").write_text(
        "Eps 7: Zeppelins\n— Air\nAirships.\nHost\nAnn Lee\nPodcast Content\n"
        "Hydrogen zeppelins drifted unfathomably over the fjords.\n",
        encoding="utf-8",
    )
    built_index.close()
    ran = run_cli_in_fresh_process("--index", str(built_index.path), "index", str(episodes_dir))
    assert ran == {"code": 0, "nltk": False}
    stems = StemShards(IndexDir(built_index.path).current())
    assert stems.lookup("zeppelins") == nltk_stem("zeppelins")
    assert stems.lookup("unfathomably") == nltk_stem("unfathomably")
