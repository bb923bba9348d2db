"""``searchpod serve`` on a real loopback socket: connections cost no work slot, work is bounded.

The server is uvicorn as ``serve`` runs it (``uvicorn_options``), in a thread, on a free
127.0.0.1 port. Timings are generous bounds on "answered at all", never measurements:
``benchmarks/serve_bounds.py`` measures.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

import uvicorn

from searchpod import Index
from searchpod.frontends.server import create_app, uvicorn_options, workslots
from searchpod.frontends.server.app import CONTENT_SECURITY_POLICY
from searchpod.frontends.server.connections import BoundedH11Protocol
from tests.conftest import write_episodes

# Far more than a loopback answer needs, even on a loaded machine: the test is that the
# client is answered (not refused, not left waiting behind idle sockets), not how fast.
ANSWERED_WITHIN_S = 15.0


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve-bounds")
    Index.build(root / "index", [write_episodes(root / "shows")])
    return root / "index"


@contextmanager
def serving(index: Path) -> Iterator[int]:
    """The port of ``serve``'s server over ``index``, running until the block ends."""
    config = uvicorn.Config(create_app(index), host="127.0.0.1", port=0, **uvicorn_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)


def get(port: int, path: str = "/api/search?q=keepers") -> tuple[int, dict[str, str], float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWERED_WITHIN_S)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, time.monotonic() - started
    finally:
        conn.close()


def connect(port: int, stack: ExitStack) -> socket.socket:
    sock = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
    sock.settimeout(ANSWERED_WITHIN_S)
    return sock


def until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_idle_and_slow_clients_do_not_shut_out_a_normal_one(index: Path) -> None:
    with serving(index) as port, ExitStack() as stack:
        idle = [connect(port, stack) for _ in range(200)]
        slow = [connect(port, stack) for _ in range(100)]
        for sock in slow:
            sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        for _ in range(3):
            status, headers, took = get(port)
            assert status == 200 and took < ANSWERED_WITHIN_S
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert len(idle) + len(slow) == 300


def test_connections_without_a_whole_request_are_closed_at_the_deadline(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BoundedH11Protocol, "head_s", 0.3)
    with serving(index) as port, ExitStack() as stack:
        idle = connect(port, stack)
        slow = connect(port, stack)
        slow.sendall(b"GET / HTTP/1.1\r\n")
        time.sleep(0.1)
        slow.sendall(b"Host: x\r\n")  # a byte now and then does not extend the deadline
        assert idle.recv(1024) == b""  # closed, nothing said: nothing was asked
        answer = slow.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"content-security-policy: " + CONTENT_SECURITY_POLICY.encode() in answer
        # After an answer, the next request's head has the same deadline.
        kept = connect(port, stack)
        kept.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        assert until_closed(kept).startswith(b"HTTP/1.1 200 ")  # then closed: no next head


def test_uvicorns_own_bad_request_answer_has_the_security_headers(index: Path) -> None:
    with serving(index) as port, ExitStack() as stack:
        sock = connect(port, stack)
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 ")
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert b"content-security-policy: " + CONTENT_SECURITY_POLICY.lower().encode() in head
    assert b"x-content-type-options: nosniff" in head


def test_past_a_maximum_the_longest_idle_connection_gives_way(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BoundedH11Protocol, "max_connections", 5)
    with serving(index) as port, ExitStack() as stack:
        first = connect(port, stack)
        time.sleep(0.05)
        others = [connect(port, stack) for _ in range(5)]
        assert first.recv(1024) == b""  # the oldest idle one was closed for the newcomer
        status, _, _ = get(port)
        assert status == 200
        assert len(others) == 5


def test_503_only_when_every_work_slot_is_taken(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workslots, "MAX_WORKING", 1)
    monkeypatch.setattr(workslots, "MAX_WAITING", 0)
    release = threading.Event()
    entered = threading.Event()
    real_stats = Index.stats

    def slow_stats(self: Index) -> object:
        entered.set()
        release.wait(ANSWERED_WITHIN_S)
        return real_stats(self)

    monkeypatch.setattr(Index, "stats", slow_stats)
    with serving(index) as port:
        first: list[int] = []
        worker = threading.Thread(target=lambda: first.append(get(port, "/api/stats")[0]))
        worker.start()
        assert entered.wait(ANSWERED_WITHIN_S)
        status, headers, _ = get(port)  # the one slot is taken, and no one may wait
        assert status == 503
        assert headers["retry-after"] == "1"
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        release.set()
        worker.join(ANSWERED_WITHIN_S)
        assert first == [200]
        assert get(port)[0] == 200  # the slot is free again
