"""Indexing worker processes die with their run, and leave no scratch space behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.engine.writing import uncommitted_files
from tests.test_safety import processes_tagged, start_bulk_run

# The issue asks for 2 s; the wait is generous for a loaded CI machine, and the measured
# time is printed (pytest -s) for the record.
LEAVE_WITHIN_S = 5.0


def scratch_left(index: Path) -> list[Path]:
    """Scratch folders, and files no commit names (segments the workers were writing)."""
    return [*index.glob("g*/.scratch-*")] + [
        f for gen in index.glob("g*") for f in uncommitted_files(gen)
    ]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes through /proc")
def test_sigkill_of_a_run_ends_its_workers_and_the_next_run_reclaims_scratch(
    tmp_path: Path, built_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = built_index.path
    # The run's own temp folder: nothing may be left there (other processes share /tmp).
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    tag, proc = start_bulk_run(tmp_path, index, "zebrafinch", "2")
    deadline = time.monotonic() + 60
    # The run and its two workers.
    while len(processes_tagged(tag)) < 3 and proc.poll() is None:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.01)
    assert proc.poll() is None, "indexing finished before it could be killed: add episodes"
    # Until the workers have written something, there is nothing to reclaim.
    while not scratch_left(index) and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    proc.communicate()
    while processes_tagged(tag) and time.monotonic() - killed < LEAVE_WITHIN_S:
        time.sleep(0.05)
    left = time.monotonic() - killed
    print(f"workers gone {left:.2f} s after SIGKILL")
    assert processes_tagged(tag) == []
    # Nothing in the temp folder: not our scratch space, nor (since the workers are not
    # multiprocessing's) a forkserver's socket folder.
    assert list(private_tmp.iterdir()) == []

    assert scratch_left(index), "the killed run left nothing: the test proves nothing"
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchpod.frontends.cli",
            "--index",
            str(index),
            "index",
            str(tmp_path / "bulk"),
        ],
        capture_output=True,
        env={**os.environ, "SEARCHPOD_WORKERS": "2"},
    )
    assert again.returncode == 0, again.stderr.decode()
    assert scratch_left(index) == []
    assert Index(index).search("zebrafinch").total == 400


def test_workers_start_numpy_without_a_pool_of_blas_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers get one BLAS thread unless the host chose; the host's own setting stays."""
    import os

    from searchpod.indexing.build import worker_environment

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert worker_environment()["OPENBLAS_NUM_THREADS"] == "1"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert worker_environment()["OPENBLAS_NUM_THREADS"] == "4"


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_worker_interrupted_while_it_starts_ignores_it_and_says_hello() -> None:
    """Ctrl-C reaches the run's whole process group: a worker still starting (importing
    site and searchpod) must neither die of it nor print a traceback; the run handles it."""
    from searchpod.indexing.build import worker_command
    from searchpod.indexing.worker import interrupts_held, receive

    with interrupts_held():
        proc = subprocess.Popen(
            worker_command(os.getpid()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    with proc:  # its pipes closed, whatever happens
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        os.kill(proc.pid, signal.SIGINT)  # long before its interpreter has started
        assert receive(proc.stdout) == ("hello", proc.pid)
        proc.stdin.close()  # the run gives up on it: it leaves
        proc.wait(timeout=30)
        err = proc.stderr.read()
    assert proc.returncode == 1
    assert b"Traceback" not in err and b"Fatal" not in err
