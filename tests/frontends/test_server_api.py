"""The HTTP API: every endpoint, filter, paging option and error, through Starlette's TestClient."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchpod import Index
from searchpod.frontends.cli import main
from searchpod.frontends.server import create_app
from tests.conftest import text_page
from tests.serve_helpers import FOG_HORN_AT, write_show


@pytest.fixture(scope="module")
def show_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api")
    write_show(root / "show", media_base="https://media.example/pod")
    Index.build(root / "index", [root / "show"])
    return root / "index"


@pytest.fixture(scope="module")
def client(show_index: Path) -> TestClient:
    with TestClient(create_app(show_index)) as c:
        yield c


def ids(data: dict) -> set[str]:
    return {h["id"] for h in data.get("hits", data.get("moments", []))}


def cli_json(index: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["--index", str(index), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_search_answers_the_same_json_as_the_cli(client, show_index):
    response = client.get("/api/search", params={"q": "lighthouse", "facets": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == cli_json(show_index, "search", "lighthouse", "--facets")
    assert response.json()["total"] == 3


def test_moments_answer_the_same_json_as_the_cli(client, show_index):
    response = client.get("/api/moments", params={"q": "fog horn"})
    assert response.status_code == 200
    data = response.json()
    assert data == cli_json(show_index, "search", "--moments", "fog horn")
    assert data["moments"][0]["start"] == FOG_HORN_AT
    assert data["moments"][0]["speaker"] == "Ostin Brae"


@pytest.mark.parametrize("endpoint", ["/api/search", "/api/moments"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"show": "deep water"}, {"show/ep-3.txt"}),
        ({"host": "okafor"}, {"show/ep-1.txt"}),
        ({"speaker": "jonas"}, {"show/ep-2.html"}),
        ({"since": "2022-01-01"}, {"show/ep-2.html", "show/ep-3.txt"}),
        ({"until": "2021"}, {"show/ep-1.txt"}),
        ({"since": "2022", "until": "2022-12"}, {"show/ep-2.html"}),
        ({"episode": "2..3"}, {"show/ep-2.html", "show/ep-3.txt"}),
        ({"episode": "1", "show": ""}, {"show/ep-1.txt"}),  # an empty form field is no filter
    ],
)
def test_every_filter(client, endpoint, params, expected):
    response = client.get(endpoint, params={"q": "lighthouse", **params})
    assert response.status_code == 200, response.text
    assert ids(response.json()) == expected


def test_sort_fuzzy_and_facets(client):
    newest = client.get("/api/search", params={"q": "lighthouse", "sort": "newest"}).json()
    assert [h["id"] for h in newest["hits"]] == ["show/ep-3.txt", "show/ep-2.html", "show/ep-1.txt"]
    oldest = client.get("/api/moments", params={"q": "lighthouse", "sort": "oldest"}).json()
    assert oldest["moments"][0]["id"] == "show/ep-1.txt"
    fuzzy = client.get("/api/search", params={"q": "lighthuose", "fuzzy": "true"}).json()
    assert fuzzy["fuzzy"] is True and fuzzy["total"] == 3
    facets = client.get("/api/search", params={"q": "lighthouse", "facets": "yes"}).json()
    assert facets["facets"]["show"] == {"Harbour Lights": 2, "Deep Water": 1}
    assert client.get("/api/search", params={"q": "lighthouse"}).json()["facets"] is None


@pytest.mark.parametrize("endpoint", ["/api/search", "/api/moments"])
def test_paging(client, endpoint):
    total = client.get(endpoint, params={"q": "lighthouse"}).json()["total"]
    numbers = range(1, (total + 1) // 2 + 1)
    pages = [
        client.get(endpoint, params={"q": "lighthouse", "limit": "2", "page": str(p)}).json()
        for p in numbers
    ]
    key = "hits" if endpoint == "/api/search" else "moments"
    seen = [(r["id"], r.get("start")) for page in pages for r in page[key]]
    assert len(seen) == len(set(seen)) == total >= 3
    assert [p["page"] for p in pages] == list(numbers)
    assert {p["total"] for p in pages} == {total}
    assert all(p["limit"] == 2 for p in pages)


def test_episode_with_its_cues(client, show_index):
    response = client.get("/api/episodes/show/ep-1.txt")
    assert response.status_code == 200
    data = response.json()
    assert data == cli_json(show_index, "show", "show/ep-1.txt")
    assert data["title"] == "Eps 1: Lighthouse keepers of the north"
    assert data["media_url"] == "https://media.example/pod/ep-1.wav"
    assert [c["start"] for c in data["cues"]][:3] == [0.0, 5.0, FOG_HORN_AT]
    assert data["cues"][2]["speaker"] == "Ostin Brae"


def test_stats(client, show_index):
    data = client.get("/api/stats").json()
    assert data == Index(show_index).stats().to_dict()
    assert data["episodes"] == 3 and data["timed_episodes"] == 3


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/search?q=%22fog+horn", 400, "unclosed quote"),
        ("/api/moments?q=(fog", 400, "unclosed '('"),
        ("/api/search?q=", 400, "empty query"),
        ("/api/search", 400, "empty query"),
        ("/api/search?q=fog&limit=0", 400, "limit"),
        ("/api/search?q=fog&limit=101", 400, "limit"),
        ("/api/moments?q=fog&page=x", 400, "page"),
        ("/api/search?q=fog&sort=random", 400, "sort"),
        ("/api/search?q=fog&since=last+week", 400, "--since"),
        ("/api/moments?q=fog&episode=a..b", 400, "--episode"),
        ("/api/search?q=fog&fuzzy=maybe", 400, "fuzzy"),
        ("/api/search?q=fog&mode=some", 400, "--mode"),
        ("/api/search?q=nosuchfield:fog", 400, "unknown field"),
        ("/api/search?q=" + "a" * 8001, 400, "longer than 8000"),
        ("/api/search?q=" + "a+" * 501, 400, "at most 500 are searched"),
        ("/api/search?q=fog&show=" + "a" * 201, 400, "longer than 200"),
        ("/api/episodes/show/nope.txt", 404, "no episode"),
        ("/api/episodes/" + "x" * 501, 404, "no episode"),
        ("/api/nothing", 404, "Not Found"),
    ],
)
def test_errors_are_json_with_a_message_and_a_4xx(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status
    assert words in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/episodes/%2e%2e/%2e%2e/etc/passwd",
        "/api/episodes/..%2F..%2Fetc%2Fpasswd",
        "/api/episodes//etc/passwd",
        "/api/episodes/show%2Fep-1.txt%00",
    ],
)
def test_ids_in_urls_cannot_reach_outside_the_index(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text


def test_read_only_and_bounded_requests(client):
    assert client.post("/api/search?q=fog").status_code == 405
    assert client.delete("/api/episodes/show/ep-1.txt").status_code == 405
    assert client.request("PUT", "/").status_code == 405
    with_body = client.request("GET", "/api/search?q=fog", content=b"x" * 100)
    assert with_body.status_code == 413
    assert client.get("/api/search?q=fog&x=" + "y" * 9000).status_code == 414
    assert client.head("/api/stats").status_code == 200


def test_security_headers_on_every_answer(client):
    for url in ("/api/stats", "/api/nothing", "/", "/static/app.js"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"


def test_keeps_serving_while_another_process_indexes_and_sees_its_commit(tmp_path):
    show = write_show(tmp_path / "show")
    Index.build(tmp_path / "index", [show])
    more = tmp_path / "more"
    more.mkdir()
    for n in range(4, 40):
        (more / f"ep-{n}.txt").write_text(
            text_page(n, f"Zeppelins {n}", "Air", "Ada Lin", "Airships.", f"A zeppelin {n}."),
            encoding="utf-8",
        )
    statuses: list[int] = []
    stop = threading.Event()
    with TestClient(create_app(tmp_path / "index")) as c:
        assert c.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0

        def keep_asking() -> None:
            while not stop.is_set():
                statuses.append(c.get("/api/moments", params={"q": "lighthouse"}).status_code)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            index_more = ["--index", str(tmp_path / "index"), "index", str(more)]
            subprocess.run(
                [sys.executable, "-m", "searchpod.frontends.cli", *index_more],
                check=True,
                capture_output=True,
                timeout=120,
            )
        finally:
            stop.set()
            asker.join(timeout=60)
        assert statuses and set(statuses) == {200}
        after = c.get("/api/search", params={"q": "zeppelin", "limit": "100"}).json()
        assert after["total"] == 36
        assert c.get("/api/stats").json()["episodes"] == 39
        assert c.get("/api/episodes/more/ep-4.txt").status_code == 200


def test_index_commit_changes_with_each_commit_so_caches_know_when_to_drop(tmp_path):
    show = write_show(tmp_path / "show")
    ix = Index.build(tmp_path / "index", [show])[0]
    first = ix.commit
    assert Index(tmp_path / "index").commit == first
    (show / "ep-9.txt").write_text(
        text_page(9, "Fresh", "Air", "Ada Lin", "New.", "Brand new words."), encoding="utf-8"
    )
    Index(tmp_path / "index").add_paths([show])
    second = ix.commit
    assert second != first
    Index(tmp_path / "index").add_paths([show], rebuild=True)
    assert ix.commit not in (first, second)


def test_serve_binds_loopback_unless_told_otherwise(show_index, monkeypatch):
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    result = CliRunner().invoke(main, ["--index", str(show_index), "serve"])
    assert result.exit_code == 0, result.output
    assert (calls[0]["host"], calls[0]["port"]) == ("127.0.0.1", 8000)
    exposed = CliRunner().invoke(main, ["--index", str(show_index), "serve", "--host", "0.0.0.0"])
    assert calls[1]["host"] == "0.0.0.0"
    assert "0.0.0.0 is not loopback: whoever reaches it reads the index" in exposed.output


def test_serve_on_a_port_in_use_fails_with_the_reason(show_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["--index", str(show_index), "serve", "--port", str(port)]
        )
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_without_an_index_fails_with_the_reason(tmp_path):
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "none"), "serve"])
    assert result.exit_code == 2
    assert "no index at" in result.output
