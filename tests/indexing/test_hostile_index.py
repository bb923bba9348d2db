"""A hostile index directory, and a full disk: never followed out, never half-written.

Issue #13 items 4 (``CURRENT`` pointing out of the index, links planted in it, a default
``./index`` in an untrusted folder) and 10 (disk full while writing).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod.frontends.cli import main
from tests.conftest import text_page


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def episode(folder: Path, name: str, word: str, body_words: int = 60) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = " ".join([word] * 3 + ["filler"] * body_words)
    path = folder / name
    path.write_text(text_page(1, f"About {word}", "Show", "Host", f"Of {word}.", body))
    return path


def built(tmp_path: Path, name: str, word: str) -> Path:
    index = tmp_path / name
    assert (
        cli(
            "--index", str(index), "index", str(episode(tmp_path / f"src-{name}", "ep.txt", word))
        ).exit_code
        == 0
    )
    return index


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def one_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# -- 4. the generation pointer stays inside the index ---------------------------------------


@pytest.mark.parametrize("pointer", ["absolute", "dotdot", "symlink"])
def test_current_never_leads_out_of_the_index(tmp_path: Path, pointer: str) -> None:
    victim = built(tmp_path, "victim", "lantern")
    victim_gen = next(victim.glob("g[0-9]*"))
    hostile = built(tmp_path, "hostile", "granite")
    if pointer == "absolute":
        (hostile / "CURRENT").write_text(str(victim_gen))
    elif pointer == "dotdot":
        (hostile / "CURRENT").write_text(f"../victim/{victim_gen.name}")
    else:
        (hostile / "g000099").symlink_to(victim_gen)
        (hostile / "CURRENT").write_text("g000099")
    before = snapshot(victim)

    searched = cli("--index", str(hostile), "search", "lantern")
    assert searched.exit_code == 2
    assert one_line(searched).startswith(f"searchpod: refusing the index at {hostile}: ")

    indexed = cli(
        "--index", str(hostile), "index", str(episode(tmp_path / "new", "x.txt", "ember"))
    )
    assert indexed.exit_code == 2 and "refusing the index" in one_line(indexed)
    assert snapshot(victim) == before  # no commit written outside the index


def test_a_planted_lock_link_never_truncates_a_file_outside(tmp_path: Path) -> None:
    index = built(tmp_path, "ix", "lantern")
    precious = tmp_path / "precious.txt"
    precious.write_text("do not truncate me")
    (index / "write.lock").unlink(missing_ok=True)
    (index / "write.lock").symlink_to(precious)
    result = cli("--index", str(index), "index", str(episode(tmp_path / "new", "x.txt", "ember")))
    assert result.exit_code == 2
    assert "write.lock is a symbolic link" in one_line(result)
    assert precious.read_text() == "do not truncate me"


class _Payload:
    """Unpickled, it runs code: here, making a folder that proves it ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (str(self.marker), 0o755, True))


def plant_code(index: Path, marker: Path) -> None:
    """Rewrite the index's Whoosh table of contents so that opening it runs code."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    storage = FileStorage(str(next(index.glob("g[0-9]*"))))
    toc = TOC.read(storage, "MAIN")
    TOC(toc.schema, [_Payload(marker)], toc.generation + 1).write(storage, "MAIN")


@pytest.mark.parametrize("why", ["writable by others", "owned by another user"])
def test_a_default_index_in_an_untrusted_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    shared = tmp_path / "shared-folder"
    shared.mkdir()
    index = built(shared, "index", "lantern")
    marker = tmp_path / "code-ran"
    plant_code(index, marker)
    monkeypatch.chdir(shared)
    monkeypatch.delenv("SEARCHPOD_INDEX", raising=False)
    if why == "writable by others":
        index.chmod(0o777)
        reason = "other users can write to it"
    else:
        uid = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # as seen by another user
        reason = f"it belongs to another user (uid {uid})"

    result = cli("search", "lantern")
    assert result.exit_code == 2
    assert one_line(result) == (
        f"searchpod: refusing the default index ./index: {reason}; "
        "name it with --index index only if you trust it"
    )
    assert not marker.exists()

    # Named explicitly, it is opened — and the planted code runs: why the default refuses.
    # (In a child process: the damaged index it leaves behind is no concern of this one.)
    command = [
        sys.executable,
        "-m",
        "searchpod.frontends.cli",
        "--index",
        "index",
        "search",
        "lantern",
    ]
    subprocess.run(command, cwd=shared, capture_output=True, timeout=120, check=False)
    assert marker.exists()


def test_a_default_index_of_ones_own_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built(tmp_path, "index", "lantern")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHPOD_INDEX", raising=False)
    result = cli("search", "lantern")
    assert result.exit_code == 0 and "About lantern" in result.stdout


# -- 10. a full disk --------------------------------------------------------------------------


def test_disk_full_while_committing_is_one_line_exit_2_and_keeps_the_old_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.filedb.filestore import FileStorage

    index = built(tmp_path, "ix", "lantern")
    before = cli("--index", str(index), "search", "lantern", "--json").stdout
    new = episode(tmp_path / "new", "x.txt", "ember")

    def full(self, name, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(self.folder, name))

    with monkeypatch.context() as patch:
        patch.setattr(FileStorage, "create_file", full)
        result = cli("--index", str(index), "index", str(new))
    assert result.exit_code == 2
    assert one_line(result) == (
        f"searchpod: no space left on device while writing {index} "
        "(the index keeps its last commit)"
    )
    assert cli("--index", str(index), "search", "lantern", "--json").stdout == before
    assert cli("--index", str(index), "search", "ember").stdout.startswith("No episodes")

    # Space again: the next run indexes the new episode.
    assert cli("--index", str(index), "index", str(new)).exit_code == 0
    assert "About ember" in cli("--index", str(index), "search", "ember").stdout


def test_disk_full_creating_an_index_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.filedb.filestore import FileStorage

    def full(self, name, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(FileStorage, "create_file", full)
    index = tmp_path / "ix"
    result = cli("--index", str(index), "index", str(episode(tmp_path / "src", "a.txt", "ember")))
    assert result.exit_code == 2
    assert one_line(result).startswith(f"searchpod: no space left on device while writing {index}")
    assert not (index / "CURRENT").exists()


def test_a_real_file_size_limit_from_the_kernel_is_one_line(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes the kernel refuse the write (EFBIG), as a full disk would (ENOSPC)."""
    index = built(tmp_path, "ix", "lantern")
    big = episode(tmp_path / "big", "big.txt", "ember", body_words=60_000)  # ~420 KB
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))\n"
        "from searchpod.frontends.cli import run\n"
        f"sys.argv = ['searchpod', '--index', {str(index)!r}, 'index', {str(big)!r}]\n"
        "run()\n"
    )
    env = {**os.environ, "SEARCHPOD_WORKERS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"searchpod: file size limit exceeded while writing {index} (the index keeps its last commit)"
    ]
    assert "About lantern" in cli("--index", str(index), "search", "lantern").stdout
