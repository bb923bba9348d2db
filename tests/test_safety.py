"""Crash safety and concurrency, with real processes: kill -9 mid-run, search while indexing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from searchpod import Index, IndexLockedError
from searchpod.frontends.cli import INTERRUPTED
from searchpod.indexing.store import IndexDir
from tests.conftest import text_page

WORDS = (
    "harbour lantern granite ledger orchard tidal compass meridian quarry saffron "
    "falcon ember willow basalt cobalt juniper vellum thistle marrow pewter"
).split()


def write_corpus(folder: Path, count: int, marker: str) -> None:
    """``count`` episode pages of ~6 KB each; every one contains ``marker``."""
    rng = random.Random(count)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        body = "\n".join(" ".join(rng.choices(WORDS, k=90)) + "." for _ in range(10))
        page = text_page(
            n,
            f"Generated {n}",
            "Bulk Show",
            "Test Host",
            f"About {marker}.",
            f"{body}\n{marker} appears here.",
        )
        (folder / f"ep-{n:04d}.txt").write_text(page, encoding="utf-8")


def index_process(
    index: Path, folder: Path, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "searchpod.frontends.cli",
            "--index",
            str(index),
            "index",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        **popen,
    )


def processes_tagged(tag: str) -> list[int]:
    """Pids of live processes whose environment holds SEARCHPOD_TEST_TAG=tag (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"SEARCHPOD_TEST_TAG={tag}".encode() in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def wait_until_writing(index: Path, proc: subprocess.Popen[bytes]) -> None:
    """Return once the run has opened its index writer (Whoosh's MAIN.tmp exists).

    A fixed sleep was either too short on a slow machine or outlasted the whole run on a
    fast one; from this point the run still has all of its episodes to write.
    """
    deadline = time.monotonic() + 60
    while not list(index.glob("g*/MAIN.tmp")) and proc.poll() is None:
        assert time.monotonic() < deadline, "the indexing run never started writing"
        time.sleep(0.01)


def start_bulk_run(
    tmp_path: Path, index: Path, word: str, workers: str, **popen: Any
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start indexing 400 episodes saying ``word`` into ``index``; return once it writes."""
    bulk = tmp_path / "bulk"
    write_corpus(bulk, 400, word)
    tag, env = tagged_env(workers)
    proc = index_process(index, bulk, env, **popen)
    wait_until_writing(index, proc)
    assert proc.poll() is None, "indexing finished before it could be stopped: add episodes"
    return tag, proc


def tagged_env(workers: str) -> tuple[str, dict[str, str]]:
    """An environment that forces ``workers`` and tags every process started with it."""
    tag = f"{os.getpid()}-{workers}-{time.monotonic_ns()}"
    return tag, {**os.environ, "SEARCHPOD_WORKERS": workers, "SEARCHPOD_TEST_TAG": tag}


def assert_no_process_left(tag: str) -> None:
    """Worker processes stop with the run, rather than finish work nobody will commit."""
    if not Path("/proc").is_dir():
        return
    deadline = time.monotonic() + 10
    while processes_tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_tagged(tag) == []


@pytest.fixture
def base_index(tmp_path: Path, built_index: Index) -> Path:
    assert built_index.search("lighthouse").total == 1
    return built_index.path


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("workers", ["0", "2"], ids=["in-process", "worker-processes"])
def test_sigkill_mid_run_leaves_last_commit_searchable(
    tmp_path: Path, base_index: Path, workers: str
) -> None:
    tag, proc = start_bulk_run(tmp_path, base_index, "zebrafinch", workers)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert_no_process_left(tag)

    ix = Index(base_index)
    assert ix.search("lighthouse").total == 1  # the query that worked before still works
    # Nothing half-written is visible (the kill may land after the commit: then all of it).
    committed = ix.search("zebrafinch").total
    assert committed in (0, 400)

    # The next run recovers on its own (lock released by the OS, stale files ignored).
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchpod.frontends.cli",
            "--index",
            str(base_index),
            "index",
            str(tmp_path / "bulk"),
            "--wait",
            "5",
        ],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert ("400 unchanged" if committed else "400 added") in again.stderr
    assert ix.search("zebrafinch").total == 400
    assert ix.search("lighthouse").total == 1


def test_searches_during_indexing_see_all_or_nothing(tmp_path: Path, base_index: Path) -> None:
    bulk = tmp_path / "bulk"
    write_corpus(bulk, 250, "kingfisher")
    ix = Index(base_index)
    proc = index_process(base_index, bulk)
    seen: set[int] = set()
    searches = 0
    while proc.poll() is None:
        assert ix.search("lighthouse").total == 1
        seen.add(ix.search("kingfisher", limit=5).total)
        searches += 1
    _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert searches > 5
    assert seen <= {0, 250}  # one commit: never a partial set
    assert ix.search("kingfisher").total == 250


def test_second_writer_waits_then_gives_up(
    tmp_path: Path, base_index: Path, episodes_dir: Path
) -> None:
    waited: list[bool] = []
    with IndexDir(base_index).write_lock(timeout=1):
        start = time.monotonic()
        with pytest.raises(IndexLockedError, match="being written by another process"):
            Index(base_index).add_paths(
                [episodes_dir], lock_timeout=0.3, on_wait=lambda: waited.append(True)
            )
        assert time.monotonic() - start >= 0.3
    assert waited == [True]
    # Once the lock is free the same run goes through.
    assert Index(base_index).add_paths([episodes_dir]).ok


def test_locked_index_cli_exits_2_with_message(
    tmp_path: Path, base_index: Path, episodes_dir: Path
) -> None:
    with IndexDir(base_index).write_lock(timeout=1):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "searchpod.frontends.cli",
                "--index",
                str(base_index),
                "index",
                str(episodes_dir),
                "--wait",
                "0.5",
            ],
            capture_output=True,
            text=True,
        )
    assert result.returncode == 2
    assert "waiting for another indexing run" in result.stderr
    assert "being written by another process" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
@pytest.mark.parametrize("workers", ["0", "2"], ids=["in-process", "worker-processes"])
def test_ctrl_c_exits_130_keeps_the_index_and_leaves_no_process(
    tmp_path: Path, base_index: Path, workers: str
) -> None:
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches all of it.
    tag, proc = start_bulk_run(
        tmp_path,
        base_index,
        "nightjar",
        workers,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1].startswith("searchpod: interrupted")
    assert "Traceback" not in err.decode()
    ix = Index(base_index)
    assert ix.search("nightjar").total in (0, 400)  # all or nothing, whenever Ctrl-C landed
    assert ix.search("lighthouse").total == 1
    assert_no_process_left(tag)


def test_ctrl_c_caught_after_passing_through_exec_still_exits_130(tmp_path: Path) -> None:
    """Python 3.11 ends a ``python -m`` process by SIGINT once a KeyboardInterrupt has passed
    out of exec() of a string, even when it is caught later (Ctrl-C landing while an import
    makes a dataclass): the program still exits 130, after its one line."""
    (tmp_path / "boom_cli.py").write_text(
        "import sys\n"
        "from searchpod.frontends import cli\n"
        "@cli.main.command('boom')\n"
        "def boom():\n"
        "    try:\n"
        "        exec('raise KeyboardInterrupt')\n"
        "    except KeyboardInterrupt:\n"
        "        cli._fail(cli.INTERRUPTED, cli.EXIT_INTERRUPTED)\n"
        "sys.argv = ['searchpod', 'boom']\n"
        "cli.run()\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "boom_cli"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == [f"searchpod: {INTERRUPTED}"]
