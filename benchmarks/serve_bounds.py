"""``searchpod serve`` against clients that hold connections open: is a normal client answered?

    python benchmarks/serve_bounds.py --index IX            # or builds ../shared/corpus's index
    python benchmarks/serve_bounds.py --index IX --idle 200 --slow 100 --json

Starts ``searchpod serve`` on a free 127.0.0.1 port, then, in turn: a normal client alone;
with ``--idle`` connected sockets that send nothing; with ``--slow`` more that sent part of a
request head and then nothing; how long the server keeps those sockets open; a malformed
request (uvicorn's own 400: does it carry the CSP?); ``--burst`` simultaneous searches.
Reports each normal request's status and latency (max and median), and the burst's
statuses. Loopback only. Exits 1 if a normal client was refused or waited over 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from load import CORPUS, _build, _free_port, _serve


def probe(port: int, path: str = "/api/search?q=north+korea") -> tuple[int | str, float, bool]:
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        csp = response.getheader("content-security-policy") is not None
        conn.close()
        return response.status, time.monotonic() - started, csp
    except OSError as exc:
        return type(exc).__name__, time.monotonic() - started, False


def probes(port: int, n: int) -> dict[str, Any]:
    got = [probe(port) for _ in range(n)]
    took = [t for _, t, _ in got]
    return {
        "statuses": dict(Counter(str(s) for s, _, _ in got)),
        "max_s": round(max(took), 3),
        "median_s": round(statistics.median(took), 3),
        "csp_on_all": all(c for _, _, c in got),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--index", type=Path, help="Use this index instead of building one.")
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--slow", type=int, default=100)
    ap.add_argument("--burst", type=int, default=300)
    ap.add_argument("--probes", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="searchpod-serve-bounds-") as tmp:
        index = args.index or _build(args.corpus, Path(tmp) / "index")
        port = _free_port()
        server = _serve(index, port, stderr=subprocess.DEVNULL)
        held: list[socket.socket] = []
        try:
            deadline = time.monotonic() + 120
            while probe(port, "/api/stats")[0] != 200:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("searchpod serve did not start")
                time.sleep(0.2)
            report["alone"] = probes(port, args.probes)
            held += [socket.create_connection(("127.0.0.1", port)) for _ in range(args.idle)]
            report[f"with {args.idle} idle sockets"] = probes(port, args.probes)
            for _ in range(args.slow):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.sendall(b"GET /api/stats HTTP/1.1\r\nHost: x\r\n")
                held.append(sock)
            key = f"with {args.idle} idle + {args.slow} slow-header sockets"
            report[key] = probes(port, args.probes)
            started = time.monotonic()
            closed = 0
            for sock in held:
                sock.settimeout(max(0.01, 60 - (time.monotonic() - started)))
                with contextlib.suppress(OSError):
                    closed += sock.recv(4096) is not None
            report["held sockets closed by the server"] = {
                "closed": closed,
                "of": len(held),
                "all_within_s": round(time.monotonic() - started, 1),
            }
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                head = sock.recv(4096).split(b"\r\n\r\n")[0].lower()
            report["malformed request"] = {
                "status_line": head.split(b"\r\n")[0].decode(),
                "csp": b"content-security-policy:" in head,
            }
            results: list[tuple[int | str, float, bool]] = []
            threads = [
                threading.Thread(target=lambda: results.append(probe(port)))
                for _ in range(args.burst)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            report[f"{args.burst} simultaneous searches"] = {
                "statuses": dict(Counter(str(s) for s, _, _ in results)),
                "max_s": round(max(t for _, t, _ in results), 3),
            }
        finally:
            for sock in held:
                sock.close()
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, figures in report.items():
            print(f"{name}: {figures}")
    key = f"with {args.idle} idle + {args.slow} slow-header sockets"
    ok = report[key]["statuses"] == {"200": args.probes} and report[key]["max_s"] < 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
