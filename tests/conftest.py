"""Shared fixtures: small episode folders written into tmp_path, and ../shared when present."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: a first example that pays a lazy import, or a busy CI machine,
# made property tests fail on time rather than on behaviour (timings don't belong in tests).
settings.register_profile("searchpod", deadline=None)
settings.load_profile("searchpod")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "episode-75.txt"
CORPUS = SHARED / "corpus" / "harmontown"


def need_shared(path: Path) -> Path:
    """Skip the calling test, with a reason, when ../shared material is absent."""
    if not path.exists():
        pytest.skip(f"{path} not present: ../shared sits beside the checkout only in CI and dev")
    return path


def text_page(
    number: int,
    title: str,
    show: str,
    host: str,
    summary: str,
    body: str,
    published: str = "2023-05-01",
) -> str:
    """An episode page in the plain-text shape of the seed."""
    return (
        f"Eps {number}: {title}\n— {show}\n{summary}\n"
        f"| Published: | {published} |\n|---|---|\n| Host image: | a drawing |\n"
        f"Host\n{host}\nPodcast Content\n{body}\n"
    )


EPISODES = {
    "eps-1.txt": text_page(
        1,
        "Lighthouse keepers of the north",
        "Harbour Lights",
        "Mara Okafor",
        "Keepers lived alone on rocks for months, trimming wicks and logging storms.",
        "The keeper climbed the tower at dusk. Fresnel lenses bent the lamp's light into a beam "
        "seen forty miles out.\nStorm logs record every gale, and the keepers' diaries speak of "
        "loneliness and of supply boats that could not land for weeks.",
        "2021-03-14",
    ),
    "eps-2.txt": text_page(
        2,
        "Bread in medieval towns",
        "Harbour Lights",
        "Jonas Petrov",
        "Bakers' guilds, fixed prices and the assize of bread.",
        "Medieval bakers were fined for short loaves. The assize of bread tied the loaf's weight to "
        "the price of wheat, and a baker who cheated could be dragged through the streets.",
        "2022-07-02",
    ),
    "eps-3.txt": text_page(
        3,
        "Octopus minds",
        "Deep Water",
        "Mara Okafor",
        "Octopuses solve puzzles, open jars and recognise the keepers of their tanks.",
        "An octopus has most of its neurons in its arms. Each arm tastes what it touches. "
        "Aquarium keepers tell stories of octopuses escaping at night to raid a neighbour's tank.",
        "2023-11-20",
    ),
}


def write_episodes(folder: Path) -> Path:
    """``folder`` (created) holding the three small episode pages of EPISODES."""
    folder.mkdir()
    for name, text in EPISODES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def episodes_dir(tmp_path: Path) -> Path:
    """A folder named 'shows' holding three small episode pages."""
    return write_episodes(tmp_path / "shows")


def search_in_fresh_process(index: Path, query: str) -> tuple[int, bool]:
    """(total, whether NLTK was imported) for ``query`` searched by a new Python process."""
    import subprocess
    import sys

    code = (
        "import sys; from searchpod import Index; "
        f"r = Index({str(index)!r}).search({query!r}); "
        "print(r.total, 'nltk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total, nltk = out.stdout.split()
    return int(total), nltk == "True"


@pytest.fixture(scope="session")
def _shared_index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from searchpod import Index

    folder = tmp_path_factory.mktemp("shared")
    _, report = Index.build(folder / "index", [write_episodes(folder / "shows")])
    assert report.ok, report.failed
    return folder / "index"


@pytest.fixture
def shared_index(_shared_index_path: Path):
    """A read-only index of the three EPISODES, built once per test run: for tests that only
    search or read it (a test that writes takes ``built_index``)."""
    from searchpod import Index

    ix = Index(_shared_index_path)
    yield ix
    ix.close()


@pytest.fixture
def built_index(tmp_path: Path, episodes_dir: Path):
    """An index of ``episodes_dir``, this test's own (it may write)."""
    from searchpod import Index

    ix = Index.create(tmp_path / "index")
    report = ix.add_paths([episodes_dir])
    assert report.ok, report.failed
    yield ix
    ix.close()
