"""Real host programs index through the library: their own code runs once, every episode in.

Each host is a separate Python program started as a user would start it (a script without a
main guard, a script on stdin, ``python -c``, a Jupyter kernel running a cell, a Starlette
app indexing in a request handler). Worker processes are forced (SEARCHPOD_WORKERS=2), and
the run must not have fallen back to in-process work.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from searchpod import Index
from searchpod.indexing.build import PARALLEL_MIN_BYTES
from tests.conftest import CORPUS, REPO
from tests.test_safety import processes_tagged

# What every host does: note that its code ran, then index the corpus and print the report.
HOST = textwrap.dedent(
    """
    import json, os
    with open(os.environ["HOST_MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\\n")
    from searchpod import Index
    report = Index.create(os.environ["HOST_INDEX"]).add_paths(
        [os.environ["HOST_CORPUS"]], lock_timeout=5
    )
    print("REPORT " + json.dumps({"added": len(report.added), "notes": list(report.notes)}))
    """
)
# A generated corpus just over the size at which indexing starts worker processes.
GENERATED_EPISODES = 32
GENERATED_LINES = 1400


def generated_corpus(folder: Path) -> tuple[Path, int]:
    """A corpus over the worker threshold (``PARALLEL_MIN_BYTES``) when ../shared is absent."""
    folder.mkdir()
    for n in range(1, GENERATED_EPISODES + 1):
        rows = ["start\tend\ttext"]
        for i in range(GENERATED_LINES):
            rows.append(
                f"{i * 3000}\t{i * 3000 + 2500}\tEpisode {n} line {i}: the lighthouse keeper "
                f"logs gale number {i * n} and the supply boat carries lamp oil."
            )
        (folder / f"{n}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert sum(f.stat().st_size for f in folder.iterdir()) > PARALLEL_MIN_BYTES
    return folder, GENERATED_EPISODES


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """(folder, episodes): ../shared's harmontown when present, else a generated one."""
    if CORPUS.is_dir():
        return CORPUS, len([f for f in CORPUS.glob("*.tsv") if f.stem.isdigit()])
    return generated_corpus(tmp_path_factory.mktemp("generated") / "pod")


def host_env(tmp_path: Path, corpus: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SEARCHPOD_WORKERS": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "HOST_MARKER": str(tmp_path / "runs"),
        "HOST_INDEX": str(tmp_path / "ix"),
        "HOST_CORPUS": str(corpus),
        **extra,
    }


def check_host(tmp_path: Path, output: str, episodes: int) -> None:
    """The host's code ran once, it indexed every episode, and worker processes did it."""
    runs = (tmp_path / "runs").read_text().split()
    assert len(runs) == 1, f"the host's own code ran {len(runs)} times"
    report = json.loads(output.split("REPORT ", 1)[1].splitlines()[0])
    assert report == {"added": episodes, "notes": []}
    assert len(Index(tmp_path / "ix")) == episodes


def run_host(args: list[str], env: dict[str, str], **kwargs: object) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=600, **kwargs
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_script_without_a_main_guard(tmp_path: Path, corpus: tuple[Path, int]) -> None:
    script = tmp_path / "app.py"
    script.write_text(HOST, encoding="utf-8")
    output = run_host([str(script)], host_env(tmp_path, corpus[0]))
    check_host(tmp_path, output, corpus[1])


def test_a_script_on_stdin(tmp_path: Path, corpus: tuple[Path, int]) -> None:
    output = run_host(["-"], host_env(tmp_path, corpus[0]), input=HOST)
    check_host(tmp_path, output, corpus[1])


def test_python_dash_c(tmp_path: Path, corpus: tuple[Path, int]) -> None:
    output = run_host(["-c", HOST], host_env(tmp_path, corpus[0]))
    check_host(tmp_path, output, corpus[1])


def test_a_jupyter_kernel_running_a_cell(tmp_path: Path, corpus: tuple[Path, int]) -> None:
    manager = pytest.importorskip("jupyter_client.manager")
    pytest.importorskip("ipykernel")
    km, kc = manager.start_new_kernel(
        kernel_name="python3", startup_timeout=120, env=host_env(tmp_path, corpus[0])
    )
    out: list[str] = []

    def collect(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    try:
        reply = kc.execute_interactive(HOST, timeout=600, output_hook=collect)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", "".join(out)
    check_host(tmp_path, "".join(out), corpus[1])


STARLETTE_APP = textwrap.dedent(
    """
    import asyncio, os
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from searchpod import Index

    with open(os.environ["HOST_MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\\n")

    async def index_now(request):
        ix = Index.create(os.environ["HOST_INDEX"])
        # The README's way: indexing blocks, so it runs in a thread, the loop serving on.
        report = await asyncio.to_thread(ix.add_paths, [os.environ["HOST_CORPUS"]])
        return JSONResponse({"added": len(report.added), "notes": list(report.notes)})

    app = Starlette(routes=[Route("/index", index_now, methods=["POST"])])
    """
)


def test_a_starlette_app_indexing_in_a_request_handler(
    tmp_path: Path, corpus: tuple[Path, int]
) -> None:
    pytest.importorskip("uvicorn")
    (tmp_path / "host_app.py").write_text(STARLETTE_APP, encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "host_app:app", "--host", "127.0.0.1", "--port", "0",
         "--app-dir", str(tmp_path)],
        stderr=subprocess.PIPE, text=True, env=host_env(tmp_path, corpus[0]),
    )  # fmt: skip
    try:
        assert server.stderr is not None
        port = None
        for line in server.stderr:
            found = re.search(r"running on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "the app never started listening"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/index", method="POST")
        with urllib.request.urlopen(request, timeout=600) as response:
            body = response.read().decode()
    finally:
        server.terminate()
        server.communicate(timeout=30)
    check_host(tmp_path, "REPORT " + body, corpus[1])


# Done-when: no worker outlives a SIGKILLed host by more than this.
LEAVE_WITHIN_S = 2.0


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes through /proc")
def test_sigkill_of_a_host_ends_its_workers_and_keeps_the_last_commit(
    tmp_path: Path, corpus: tuple[Path, int], built_index: Index
) -> None:
    before = (len(built_index), built_index.commit)
    script = tmp_path / "app.py"
    script.write_text(HOST, encoding="utf-8")
    tag = f"{os.getpid()}-host-{time.monotonic_ns()}"
    env = host_env(tmp_path, corpus[0], HOST_INDEX=str(built_index.path), SEARCHPOD_TEST_TAG=tag)
    host = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    # The host and its two workers, busy writing.
    while len(processes_tagged(tag)) < 3 and host.poll() is None:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.01)
    assert host.poll() is None, "indexing finished before it could be killed"
    host.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    host.wait()
    while processes_tagged(tag) and time.monotonic() - killed < LEAVE_WITHIN_S:
        time.sleep(0.02)
    print(f"workers gone {time.monotonic() - killed:.2f} s after SIGKILL")
    assert processes_tagged(tag) == []
    again = Index(built_index.path)
    assert (len(again), again.commit) == before
    assert again.search("lighthouse").total == 1
