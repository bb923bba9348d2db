"""Start-up: a piped `searchpod search` loads only what searching needs.

Cold start is most of what a terminal user waits for; these modules cost 30-400 ms each to
import and searching never uses them. (Timings are for benchmarks/, not for tests.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from searchpod import Index
from tests.conftest import search_in_fresh_process

HEAVY = [
    "nltk",
    "bs4",
    "lxml",
    "rich",
    "ssl",
    "urllib.request",
    "multiprocessing",
    "feedparser",
    "searchpod.ingest.sources",  # reading source files: indexing only
    "searchpod.ingest.feeds.source",
    "whoosh.lang.morph_en",  # for Whoosh's Variations query only: one huge regex to compile
]

# argv: the index, the command, its argument, the modules to look for (JSON).
PROBE = """
import json, sys
from searchpod.frontends.cli import main
try:
    main(["--index", sys.argv[1], sys.argv[2], sys.argv[3]])
except SystemExit as exc:
    code = exc.code
heavy = json.loads(sys.argv[4])
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_piped_search_imports_none_of_the_heavy_modules(built_index: Index) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(built_index.path),
            "search",
            "keepers",
            json.dumps(HEAVY),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    *results, last = out.stdout.strip().splitlines()
    assert "Lighthouse keepers of the north" in "\n".join(results)
    assert json.loads(last) == {"code": 0, "loaded": []}


def test_urllib_request_is_the_real_module_after_importing_searchpod(tmp_path: Path) -> None:
    # Whoosh is imported with a stand-in for urllib.request; it must not leak to anyone else.
    code = (
        "import searchpod, urllib.request, whoosh.compat; "
        "print(urllib.request.__file__ is not None, hasattr(urllib.request, 'urlopen'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_words_added_by_an_incremental_run_need_no_nltk_to_search(
    built_index: Index, episodes_dir: Path
) -> None:
    (episodes_dir / "eps-7.txt").write_text(
        "Eps 7: Zeppelins\n— Air\nAirships.\nHost\nAnn Lee\nPodcast Content\n"
        "Hydrogen zeppelins drifted over the fjords.\n",
        encoding="utf-8",
    )
    assert built_index.add_paths([episodes_dir]).added == ("shows/eps-7.txt",)
    assert search_in_fresh_process(built_index.path, "zeppelins fjords") == (1, False)


def test_whoosh_variations_still_work_after_importing_searchpod() -> None:
    # whoosh.lang.morph_en is left out while Whoosh loads; calling for it loads the real one.
    code = (
        "import searchpod, sys; from whoosh.query import terms; "
        "assert 'whoosh.lang.morph_en' not in sys.modules; "
        "found = terms.variations('rendering'); "
        "from whoosh.lang import morph_en; "
        "print(found == morph_en.variations('rendering'), 'render' in found)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_date_grammar_is_built_only_for_a_query_naming_a_date_field(shared_index: Index) -> None:
    # Whoosh's English date grammar is ~60 regexes to compile: most searches never need it.
    from searchpod.engine import query

    query._parsers.clear()
    assert shared_index.search("keepers").total == 2

    def grammars() -> list[object]:
        return [p.dateparser._built for ps in query._parsers.values() for p in ps.plugins
                if isinstance(p, query._DatesPlugin)]  # fmt: skip

    assert grammars() == [None]
    assert [h.episode for h in shared_index.search("published:2021").hits] == [1]
    assert all(g is not None for g in grammars())


def test_piped_indexing_of_text_pages_imports_none_of_the_heavy_modules(
    tmp_path: Path, episodes_dir: Path
) -> None:
    # HTML parsing (bs4, lxml), feeds, the terminal and NLTK are for other runs, or none.
    heavy = ["nltk", "bs4", "lxml", "rich", "feedparser", "email", "urllib.request", "ssl"]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(tmp_path / "ix"),
            "index",
            str(episodes_dir),
            json.dumps(heavy),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"code": 0, "loaded": []}
