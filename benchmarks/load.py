"""Loopback load test of `searchpod serve`: 8 concurrent clients, a fixed count of requests.

    python benchmarks/load.py                              # index ../shared/corpus, 200 requests each
    python benchmarks/load.py --index /tmp/ix --requests 400 --json

Builds an index of the real podcast corpus (harmontown's Whisper TSV and pythonbytes' VTT and
text) unless ``--index`` names one, starts the real server (uvicorn) on a free 127.0.0.1 port,
and sends each endpoint its share of requests from ``--clients`` threads, each with its own
keep-alive connection. Reports per endpoint: requests, errors, throughput and p50/p95 latency.
Exits 1 if any request failed. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SHOWS = ("harmontown", "pythonbytes")
QUERIES = (
    "north korea",
    "dungeons dragons",
    "python packaging",
    "type hints",
    '"virtual environment"',
    "rick morty",
    "pandas dataframe",
    "comedy show",
    "rust",
    "async await",
    "spencer",
    "web assembly",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, help="Use this index instead of building one.")
    parser.add_argument("--requests", type=int, default=200, help="Requests per endpoint.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="searchpod-load-") as tmp:
        index = args.index or _build(args.corpus, Path(tmp) / "index")
        port = _free_port()
        server = _serve(index, port, stderr=subprocess.PIPE)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server)
            report = _run(base, args.requests, args.clients, random.Random(args.seed))
        finally:
            server.terminate()
            server.wait(timeout=30)
            assert server.stderr is not None
            server.stderr.close()
    report["index"] = str(index) if args.index else f"built from {args.corpus} ({', '.join(SHOWS)})"
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    return 1 if any(e["errors"] for e in report["endpoints"].values()) else 0


def _build(corpus: Path, index: Path) -> Path:
    from searchpod import Index

    sources = [corpus / show for show in SHOWS if (corpus / show).is_dir()]
    if not sources:
        sys.exit(f"no corpus at {corpus}: pass --corpus or --index")
    started = time.perf_counter()
    _, report = Index.build(index, sources)
    print(
        f"built {len(report.added)} episodes in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return index


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(index: Path, port: int, *, stderr: int) -> subprocess.Popen[bytes]:
    """``searchpod serve`` of this environment on ``index``, at 127.0.0.1:``port``."""
    program = Path(sys.executable).with_name("searchpod")
    return subprocess.Popen(
        [str(program), "--index", str(index), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            assert server.stderr is not None
            sys.exit(f"searchpod serve exited: {server.stderr.read().decode()}")
        try:
            if httpx.get(f"{base}/api/stats", timeout=10, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    sys.exit("searchpod serve did not answer within 120 s")


def _targets(base: str, rng: random.Random) -> dict[str, list[str]]:
    """Per endpoint, the URLs to cycle through: the queries, and episodes they find."""
    found: list[tuple[str, float]] = []
    for q in QUERIES:
        moments = httpx.get(
            f"{base}/api/moments", params={"q": q}, timeout=60, trust_env=False
        ).json()
        found.extend((m["id"], m["start"] or 0) for m in moments["moments"][:3])
    rng.shuffle(found)
    quote = urllib.parse.quote
    return {
        "GET /api/search": [f"/api/search?q={quote(q)}" for q in QUERIES],
        "GET /api/moments": [f"/api/moments?q={quote(q)}" for q in QUERIES],
        "GET /api/episodes/{id}": [f"/api/episodes/{quote(i)}" for i, _ in found],
        "GET /api/stats": ["/api/stats"],
        "GET / (results page)": [f"/?q={quote(q)}" for q in QUERIES],
        "GET /e/{id}?t= (episode page)": [f"/e/{quote(i)}?t={int(t)}" for i, t in found],
    }


def _run(base: str, requests: int, clients: int, rng: random.Random) -> dict:
    endpoints = {
        name: _phase(base, urls, requests, clients) for name, urls in _targets(base, rng).items()
    }
    return {"clients": clients, "requests_per_endpoint": requests, "endpoints": endpoints}


def _phase(base: str, urls: list[str], requests: int, clients: int) -> dict:
    """``requests`` GETs of ``urls`` (in turn) from ``clients`` threads at once."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        # trust_env=False: loopback, never through a proxy from the environment.
        with httpx.Client(base_url=base, timeout=120, trust_env=False) as http:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                url = urls[n % len(urls)]
                started = time.perf_counter()
                try:
                    problem = None
                    response = http.get(url)
                    if response.status_code != 200:
                        problem = str(response.status_code)
                except httpx.HTTPError as exc:
                    problem = str(exc)
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if problem:
                        errors.append(f"{url}: {problem}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
    }


def _print(report: dict) -> None:
    print(f"{report['clients']} clients, {report['requests_per_endpoint']} requests per endpoint")
    print(f"{'endpoint':34} {'req':>5} {'err':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for name, e in report["endpoints"].items():
        print(
            f"{name:34} {e['requests']:>5} {e['errors']:>4} {e['throughput_rps']:>7} "
            f"{e['p50_ms']:>8} {e['p95_ms']:>8}"
        )
        for error in e["first_errors"]:
            print(f"    {error}")


if __name__ == "__main__":
    sys.exit(main())
