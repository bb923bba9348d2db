"""Incremental runs reuse a folder's walk while none of its directories changed, and still
see every change: a file added, removed or renamed in any subfolder, a new subfolder, an
edited file (even one whose size and mtime were put back)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import searchpod.ingest.sources as sources
from searchpod import Index
from tests.conftest import text_page


def page(n: int, word: str) -> str:
    return text_page(n, f"Episode {n}", "Show", "Host", f"About {word}.", f"{word} {n}.")


def age(folder: Path) -> None:
    """Date every directory under ``folder`` (and it) a minute back, as a folder left alone
    for a while would be; a change inside then gives its directory a new mtime."""
    old = time.time_ns() - 60 * 10**9
    for dirpath, _, _ in os.walk(folder):
        os.utime(dirpath, ns=(old, old))


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders walked (listed) by discovery. Directories and files count as settled at
    once (their ctime, which ``age`` cannot set back, is now)."""
    import searchpod.indexing.update

    monkeypatch.setattr(searchpod.indexing.update, "STAT_SETTLE_S", -60.0)
    monkeypatch.setattr(sources, "LISTING_SETTLE_S", -60.0)
    calls: list[Path] = []
    original = sources._walk

    def counting(folder: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(folder)
        return original(folder, *args, **kwargs)

    monkeypatch.setattr(sources, "_walk", counting)
    return calls


@pytest.fixture
def show(tmp_path: Path) -> Path:
    folder = tmp_path / "show"
    (folder / "2023").mkdir(parents=True)
    (folder / "2024").mkdir()
    for n in range(3):
        (folder / "2023" / f"ep-{n}.txt").write_text(page(n, "lantern"), encoding="utf-8")
    (folder / "2024" / "ep-3.txt").write_text(page(3, "lantern"), encoding="utf-8")
    (folder / "2024" / "notes.pdf").write_bytes(b"%PDF")
    age(folder)
    return folder


def test_an_unchanged_folder_is_walked_once(tmp_path: Path, show: Path, walks: list) -> None:
    ix = Index.create(tmp_path / "ix")
    first = ix.add_paths([show])
    assert len(first.added) == 4 and len(walks) == 1
    for _ in range(2):
        again = ix.add_paths([show])
        assert (again.added, again.updated, len(again.unchanged)) == ((), (), 4)
        assert again.skipped == first.skipped and again.skipped  # the PDF, still counted
    assert len(walks) == 1


@pytest.mark.parametrize(
    "change",
    ["add in a subfolder", "remove", "rename", "new subfolder", "hidden folder shown"],
)
def test_a_changed_listing_anywhere_is_walked_again(
    tmp_path: Path, show: Path, walks: list, change: str
) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([show])
    ix.add_paths([show])
    assert len(walks) == 1
    if change == "add in a subfolder":
        (show / "2024" / "ep-4.txt").write_text(page(4, "harbour"), encoding="utf-8")
        expect = ["show/2024/ep-4.txt"]
    elif change == "remove":
        (show / "2023" / "ep-0.txt").unlink()
        expect = []
    elif change == "rename":
        (show / "2023" / "ep-1.txt").rename(show / "2023" / "ep-9.txt")
        expect = ["show/2023/ep-9.txt"]
    elif change == "new subfolder":
        (show / "2025").mkdir()
        (show / "2025" / "ep-5.txt").write_text(page(5, "harbour"), encoding="utf-8")
        expect = ["show/2025/ep-5.txt"]
    else:
        (show / ".drafts").mkdir()
        (show / ".drafts" / "ep-6.txt").write_text(page(6, "harbour"), encoding="utf-8")
        age(show)
        assert list(ix.add_paths([show]).added) == []  # hidden: not indexed, nothing redone
        (show / ".drafts").rename(show / "drafts")
        expect = ["show/drafts/ep-6.txt"]
    report = ix.add_paths([show], prune=True)
    assert list(report.added) == expect
    if change in ("remove", "rename"):
        gone = "show/2023/ep-0.txt" if change == "remove" else "show/2023/ep-1.txt"
        assert report.removed == (gone,)
    assert len(walks) >= 2


def test_edits_are_seen_without_a_new_walk(tmp_path: Path, show: Path, walks: list) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_paths([show])
    ep = show / "2023" / "ep-2.txt"
    ep.write_text(page(2, "beacon!"), encoding="utf-8")  # different size
    assert ix.add_paths([show]).updated == ("show/2023/ep-2.txt",)
    before = ep.stat()
    ep.write_text(page(2, "signal!"), encoding="utf-8")  # same size, old mtime put back
    os.utime(ep, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert ix.add_paths([show]).updated == ("show/2023/ep-2.txt",)
    assert ix.search("signal").total == 1 and ix.search("beacon").total == 0
    assert len(walks) == 1


def test_a_folder_changed_just_now_is_not_trusted(
    tmp_path: Path, walks: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Changed within the settling time: a change in the same timestamp tick could be missed.
    monkeypatch.setattr(sources, "LISTING_SETTLE_S", 2.0)
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "ep-1.txt").write_text(page(1, "lantern"), encoding="utf-8")
    ix = Index.create(tmp_path / "ix")
    for _ in range(3):
        ix.add_paths([folder])
    assert len(walks) == 3


def test_a_file_replaced_by_a_broken_link_is_a_failure(
    tmp_path: Path, show: Path, walks: list
) -> None:
    ix = Index.create(tmp_path / "ix")
    target = tmp_path / "elsewhere.txt"
    target.write_text(page(7, "lantern"), encoding="utf-8")
    (show / "2024" / "ep-7.txt").symlink_to(target)
    age(show)
    assert "show/2024/ep-7.txt" in ix.add_paths([show]).added
    target.unlink()  # the folder's listing is unchanged; the link now points nowhere
    report = ix.add_paths([show])
    assert [f.source for f in report.failed] == [str(show / "2024" / "ep-7.txt")]
    assert len(walks) == 1


NAMES = st.lists(
    st.tuples(
        st.sampled_from(["", "a", "b/c"]),
        st.sampled_from(["ep1", "EP1", "ep2", "readme", "x.y"]),
        st.sampled_from([".html", ".htm", ".txt", ".vtt", ".SRT", ".json", ".md", ".tsv"]),
    ),
    max_size=12,
    unique=True,
)


@given(before=NAMES, after=NAMES)
def test_pairing_again_is_pairing_from_scratch(tmp_path_factory, before, after) -> None:
    root = tmp_path_factory.getbasetemp() / "show"
    st_any = os.stat(__file__)

    def files(names: list[tuple[str, str, str]]) -> list[tuple[str, os.stat_result]]:
        paths = {os.path.join(str(root), d, stem + suffix) for d, stem, suffix in names}
        return [(p, st_any) for p in sorted(paths, key=sources._components)]

    old = files(before)
    listing = sources.Listing([], [p for p, _ in old], {}, sources._pair(root, old))
    new = files(after)

    def shape(groups: list[sources.SourceGroup]) -> list[tuple]:
        return [(g.id, g.paths, g.relative, g.folder) for g in groups]

    assert shape(sources._pair_again(root, listing, new)) == shape(sources._pair(root, new))


def test_two_pages_of_one_name_and_nothing_else_are_two_episodes(tmp_path: Path) -> None:
    # Found by the property test above: discovery raised IndexError on such a folder.
    folder = tmp_path / "show"
    folder.mkdir()
    for suffix in (".html", ".htm"):
        (folder / f"ep-1{suffix}").write_text("<html><p>kelp</p></html>", encoding="utf-8")
    groups, failures = sources.discover([folder])
    assert sorted(g.id for g in groups) == ["show/ep-1.htm", "show/ep-1.html"]
    assert failures == []
