"""The command line, through click's CliRunner on the real entry point."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchpod.frontends.cli import main
from tests.conftest import SEED, need_shared


@pytest.fixture
def run(tmp_path: Path):
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(main, ["--index", str(tmp_path / "ix"), *args], env=env)

    return invoke


def test_seed_episode_round_trip(run) -> None:
    """The issue's acceptance check: the seed page, indexed and found as JSON."""
    seed = need_shared(SEED)
    assert run("index", str(seed)).exit_code == 0
    result = run("search", "defector stories", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "defector stories" and data["total"] == 1
    hit = data["hits"][0]
    assert hit["title"] == "Eps 75: social media influencers in north Korea"
    assert (hit["show"], hit["episode"], hit["host"]) == ("Stuff", 75, "Priscilla Alvarez")
    words = {snip["text"][s:e].lower() for snip in hit["snippets"] for s, e in snip["highlights"]}
    assert {"defectors", "stories"} <= words


def test_json_shape_is_the_documented_contract(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    data = json.loads(run("search", "keepers", "--json").stdout)
    assert {
        "query",
        "total",
        "hits",
        "page",
        "limit",
        "suggestion",
        "facets",
        "warnings",
        "fuzzy",
    } <= data.keys()
    hit = data["hits"][0]
    assert {
        "id",
        "title",
        "show",
        "episode",
        "host",
        "summary",
        "published",
        "source",
        "score",
        "snippets",
        "url",
    } <= hit.keys()
    assert hit["published"] == "2021-03-14"
    snip = hit["snippets"][0]
    assert {"text", "highlights", "start", "end", "speaker", "link"} <= snip.keys()
    for s, e in snip["highlights"]:
        assert 0 <= s < e <= len(snip["text"])


def test_human_output_is_plain_when_piped(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    result = run("search", "fresnel")
    assert result.exit_code == 0
    assert "Eps 1: Lighthouse keepers of the north" in result.stdout
    assert "Harbour Lights · episode 1 · Mara Okafor" in result.stdout
    assert "Fresnel lenses" in result.stdout
    assert "\x1b[" not in result.stdout  # CliRunner is not a TTY: no escape codes


def test_piped_snippets_are_whole_lines(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    lines = run("search", "keepers").stdout.splitlines()
    snippet = next(line for line in lines if "Fresnel" in line)
    # One snippet, one line, however narrow a terminal would be: grep sees it whole.
    assert "The keeper climbed" in snippet and "loneliness" in snippet and len(snippet) > 150


def _search_on_a_terminal(index: Path, env: dict[str, str]) -> str:
    """Run `searchpod search` with stdout on a pseudo-terminal; return what it printed."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    cmd = [
        sys.executable,
        "-m",
        "searchpod.frontends.cli",
        "--index",
        str(index),
        "search",
        "keepers",
    ]
    proc = subprocess.Popen(cmd, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_on_a_terminal_unless_no_color(built_index) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    escapes = re.compile(r"\x1b\[([0-9;]*)m")
    coloured = _search_on_a_terminal(built_index.path, env)
    assert "Lighthouse keepers of the north" in escapes.sub("", coloured)
    codes = {c for m in escapes.findall(coloured) for c in m.split(";")}
    assert "33" in codes  # matches in yellow
    plain = _search_on_a_terminal(built_index.path, {**env, "NO_COLOR": "1"})
    assert "Lighthouse keepers of the north" in escapes.sub("", plain)
    codes = {c for m in escapes.findall(plain) for c in m.split(";")}
    assert not codes & {str(n) for n in range(30, 38)}  # bold/underline stay, colours go


def test_plain_and_html_formats(run, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "x.txt").write_text(
        "Eps 1: Scripts\n— S\nsum\nHost\nH\nPodcast Content\n"
        "A listener pasted <script>alert('owned')</script> into the chat & we read it.\n"
    )
    run("index", str(folder))
    html = run("search", "alert", "--format", "html").stdout
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "<mark>alert</mark>" in html and "&amp;" in html
    plain = run("search", "alert", "--format", "plain").stdout
    assert "**alert**" in plain


def test_zero_hits_exits_0(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    result = run("search", "submarine")
    assert result.exit_code == 0
    assert "No episodes match" in result.stdout


def test_searching_an_index_of_an_empty_folder_finds_nothing(run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("index", str(tmp_path / "empty")).exit_code == 0
    result = run("search", "anything", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 0


def test_bad_query_exits_2_with_one_line(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    result = run("search", "title:(unclosed")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unclosed '('" in lines[0] and "column 7" in lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", "x", "--limit", "1001"], "search: invalid value for '-n' / '--limit': 1001 is"),
        (["search", "x", "--page", "0"], "search: invalid value for '--page': 0 is not in the"),
        (["search", "x", "--sort", "best"], "search: invalid value for '--sort': 'best' is not"),
        (["search"], "search: missing argument 'QUERY' (see 'main search --help')"),
        (["index", "--bogus"], "index: no such option '--bogus'"),
        (["feed", "add"], "feed add: missing argument 'URL'"),
        (["--bogus"], "no such option '--bogus' (see 'main --help')"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(run, args: list[str], says: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("searchpod: "), result.stderr
    assert says in result.stderr
    assert "Usage:" not in result.stderr


def test_missing_index_exits_2(run) -> None:
    result = run("search", "anything")
    assert result.exit_code == 2
    assert "no index at" in result.stderr


def test_partial_failure_exits_1_and_names_the_file(run, episodes_dir: Path) -> None:
    (episodes_dir / "broken.html").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    result = run("index", str(episodes_dir))
    assert result.exit_code == 1
    assert "broken.html: binary file" in result.stderr
    assert "3 added" in result.stderr
    assert run("search", "octopus", "--json").exit_code == 0


def test_index_report_as_json(run, episodes_dir: Path) -> None:
    first = json.loads(run("index", str(episodes_dir), "--json").stdout)
    assert first == {
        "added": 3,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "downloaded": 0,
        "failed": [],
        "skipped": [],
        "warnings": [],
    }
    again = json.loads(run("index", str(episodes_dir), "--json").stdout)
    assert again["unchanged"] == 3 and again["added"] == 0


def test_stats(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    data = json.loads(run("stats", "--json").stdout)
    assert data["episodes"] == 3
    assert data["hosts"] == {"Jonas Petrov": 1, "Mara Okafor": 2}


def test_index_env_var(tmp_path: Path, episodes_dir: Path) -> None:
    runner = CliRunner()
    env = {"SEARCHPOD_INDEX": str(tmp_path / "via-env")}
    assert runner.invoke(main, ["index", str(episodes_dir)], env=env).exit_code == 0
    assert (tmp_path / "via-env" / "CURRENT").exists()


def test_first_use_builds_default_index_from_data(
    tmp_path: Path, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHPOD_INDEX", raising=False)
    episodes_dir.rename(tmp_path / "data")
    result = CliRunner().invoke(main, ["search", "octopus"])
    assert result.exit_code == 0, result.output
    assert "building index/ from data/" in result.stderr
    assert "Octopus minds" in result.stdout
    again = CliRunner().invoke(main, ["search", "octopus"])
    assert "building" not in again.stderr


def test_facets_and_filters_from_cli(run, episodes_dir: Path) -> None:
    run("index", str(episodes_dir))
    data = json.loads(run("search", "keepers", "--host", "okafor", "--facets", "--json").stdout)
    assert data["total"] == 2
    assert data["facets"]["host"] == {"Mara Okafor": 2}
    bad = run("search", "keepers", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is POSIX")
def test_piping_into_head_stops_quietly(tmp_path: Path) -> None:
    import signal
    import subprocess

    from searchpod import Index
    from tests.conftest import text_page

    folder = tmp_path / "pod"
    folder.mkdir()
    long_body = "\n".join(f"Paragraph {n} about lighthouse lamps and keepers." for n in range(6000))
    page = text_page(1, "Long", "Pod", "Ann Lee", "Long.", long_body)
    (folder / "long.txt").write_text(page, encoding="utf-8")
    Index.create(tmp_path / "ix").add_paths([folder])
    # `show` prints ~300 KB: far more than a pipe holds, so it must meet the closed pipe.
    cmd = [sys.executable, "-m", "searchpod.frontends.cli", "--index", str(tmp_path / "ix")]
    proc = subprocess.Popen(
        [*cmd, "show", "pod/long.txt"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # like `head -1`: read a line, then stop reading
    proc.stdout.close()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGPIPE, err  # quietly, as `yes | head -1` ends
    assert err == b""
