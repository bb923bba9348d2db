"""Searching one Index from many threads while another process indexes in a loop."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from searchpod import Index

# Readers run at least this long, and until the writer committed COMMITS times (one of
# them a rebuild), within MAX_SECONDS.
READ_SECONDS = float(os.environ.get("SEARCHPOD_CONCURRENCY_SECONDS", "2"))
COMMITS = 4
MAX_SECONDS = 90
BATCH = 3

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from searchpod import Index

    index, folder, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    ix = Index(index)
    n = 0
    while not stop.exists():
        for _ in range({batch}):
            n += 1
            (folder / f"z{{n:04d}}.txt").write_text(f"Zephyr episode {{n}} about zephyrs.\\n")
        # Every third run rebuilds: a new generation replaces the one readers have open.
        ix.add_paths([folder], rebuild=n % (3 * {batch}) == 0)
        (stop.parent / "commits").write_text(str(n // {batch}))
    """
).format(batch=BATCH)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_threads_search_while_another_process_indexes(
    built_index: Index, episodes_dir: Path, tmp_path: Path
) -> None:
    ix = built_index
    ix.close()
    fds_before = open_fds()
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ix.path), str(episodes_dir), str(stop)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    errors: list[BaseException] = []
    totals: list[int] = []
    lock = threading.Lock()
    started = time.monotonic()
    commits = tmp_path / "commits"

    def writer_done() -> bool:
        try:
            return int(commits.read_text() or 0) >= COMMITS
        except (OSError, ValueError):
            return False

    def keep_reading() -> bool:
        elapsed = time.monotonic() - started
        return elapsed < READ_SECONDS or (not writer_done() and elapsed < MAX_SECONDS)

    def reader() -> None:
        while keep_reading() and writer.poll() is None:
            try:
                zephyr = ix.search("zephyr", limit=5).total
                keepers = ix.search("keepers").total
                assert keepers == 2
                with lock:
                    totals.append(zephyr)
            except BaseException as exc:
                with lock:
                    errors.append(exc)
                return

    try:
        threads = [threading.Thread(target=reader) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop.touch()
        _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err.decode()
    assert errors == []
    # Each commit adds a batch of episodes at once: any other total is a half-seen state.
    assert totals and all(t % BATCH == 0 for t in totals), sorted(set(totals))
    assert max(totals) > 0, "the writer never committed while readers ran"
    ix.close()
    assert open_fds() <= fds_before
