"""A full disk: the run fails in one line, keeps the last commit, leaves none of its scratch
behind, and the next run succeeds as soon as there is space, with no manual step."""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchpod import Index
from searchpod.engine.commits import commit_numbers, segments_named
from searchpod.frontends.cli import main
from searchpod.indexing.store import IndexDir
from tests.conftest import text_page

SYLLABLES = "ka lo mi ra te su no vi pe zu ga hi".split()


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def many_words(folder: Path, episodes: int, words: int) -> Path:
    """Episodes of made-up words (a big vocabulary makes big segments)."""
    folder.mkdir(parents=True)
    rng = random.Random(5)
    for n in range(episodes):
        body = " ".join(
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5))) for _ in range(words)
        )
        page = text_page(n, f"Made {n}", "Show", "Host", "Made up.", f"ember {body}")
        (folder / f"made-{n:03d}.txt").write_text(page)
    return folder


def leftovers(index: Path) -> list[str]:
    """What a run left in the index that no commit names (scratch, spill runs, segments)."""
    live = IndexDir(index).current()
    named = set().union(*(segments_named(live, n) for n in commit_numbers(live)))
    found = [p.name for p in index.glob("g[0-9]*") if p != live]
    for path in live.iterdir():
        if (
            path.name.startswith(("MAIN.tmp", ".scratch-"))
            or path.suffix in (".run", ".ctmp")
            or (path.name.startswith("MAIN_") and path.name.split(".")[0] not in named)
            or (path.name.startswith("_MAIN_") and not path.name.endswith(".toc"))
        ):
            found.append(path.name)
    return sorted(found)


def one_line(result: Any) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return str(lines[0])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs, where mounting one is allowed (root on Linux)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root on Linux; the injected ENOSPC test runs anyway")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


@pytest.mark.parametrize("workers", ["0", "2"], ids=["in-process", "worker-processes"])
def test_a_really_full_disk_leaves_no_scratch_and_the_next_run_just_works(
    small_disk: Path, tmp_path: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCHPOD_WORKERS", workers)
    index = small_disk / "index"
    first = many_words(tmp_path / "first", 2, 500)
    assert cli("--index", str(index), "index", str(first)).exit_code == 0
    more = many_words(tmp_path / "more", 40, 2000)  # an index of ~6 MB: more than is left
    filler = small_disk / "filler"
    with filler.open("wb") as f:
        f.truncate(0)
        os.posix_fallocate(f.fileno(), 0, free_bytes(small_disk) - 1024 * 1024)
    before = free_bytes(small_disk)

    result = cli("--index", str(index), "index", str(more))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"searchpod: no space left on device while writing {index} "
        "(the index keeps its last commit)"
    )
    assert leftovers(index) == []
    assert free_bytes(small_disk) >= before - 64 * 1024  # its scratch space came back
    assert Index(index).search("ember").total == 2

    filler.unlink()  # space again: the same command now succeeds, nothing deleted by hand
    result = cli("--index", str(index), "index", str(more))
    assert result.exit_code == 0, result.output
    assert Index(index).search("ember").total == 42
    assert leftovers(index) == []


def test_an_injected_enospc_mid_write_leaves_no_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no tmpfs can be mounted: writes fail with ENOSPC once the run wrote 256 KB."""
    from whoosh.filedb.filestore import FileStorage

    monkeypatch.setenv("SEARCHPOD_WORKERS", "0")
    index = tmp_path / "index"
    assert (
        cli("--index", str(index), "index", str(many_words(tmp_path / "a", 2, 500))).exit_code == 0
    )
    more = many_words(tmp_path / "more", 20, 4000)
    written = [0]
    create_file = FileStorage.create_file

    def filling(self: Any, name: str, **kwargs: Any) -> Any:
        f = create_file(self, name, **kwargs)
        write = f.write

        def counted(data: bytes) -> Any:
            written[0] += len(data)
            if written[0] > 256 * 1024:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return write(data)

        f.write = counted
        return f

    with monkeypatch.context() as patch:
        patch.setattr(FileStorage, "create_file", filling)
        result = cli("--index", str(index), "index", str(more))
    assert result.exit_code == 2
    assert "no space left on device" in one_line(result)
    assert leftovers(index) == []
    result = cli("--index", str(index), "index", str(more))
    assert result.exit_code == 0, result.output
    assert Index(index).search("ember").total == 22


def test_scratch_left_by_a_killed_run_is_removed_by_the_next_one(tmp_path: Path) -> None:
    index = tmp_path / "index"
    source = many_words(tmp_path / "a", 2, 200)
    assert cli("--index", str(index), "index", str(source)).exit_code == 0
    live = IndexDir(index).current()
    # What a run killed mid-write leaves: Whoosh's spill runs and column scratch, segment
    # files of an uncommitted segment, a table not yet renamed, a worker's scratch folder.
    (live / "MAIN.tmp").mkdir()
    (live / "MAIN.tmp" / "abc.run").write_bytes(b"x" * 1000)
    (live / "MAIN.tmp" / "def.ctmp").write_bytes(b"x" * 1000)
    (live / "MAIN_zzzzzzzzzzzzzzzz.trm").write_bytes(b"")
    (live / "MAIN_zzzzzzzzzzzzzzzz.body_text.col").write_bytes(b"")
    (live / "_MAIN_9.toc.1733550000.5").write_bytes(b"")
    (live / ".scratch-1234").mkdir()
    assert len(leftovers(index)) == 5

    assert cli("--index", str(index), "index", str(source)).exit_code == 0  # nothing changed
    assert leftovers(index) == []
    assert Index(index).search("ember").total == 2
