"""``searchpod mcp`` as an assistant sees it: a subprocess spoken to with the SDK's stdio client."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mcp import ClientSession, StdioServerParameters, stdio_client

from searchpod import Index
from searchpod.frontends.cli import main
from tests.conftest import REPO, text_page, write_episodes

pytestmark = pytest.mark.anyio

AUDIO = "https://example.org/eps-12.mp3"
VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ana Lima>Welcome to the show about bridges.

00:00:04.500 --> 00:00:08.000
<v Felix Grant>The girders were painted in 1931.

00:12:30.000 --> 00:12:35.000
They rusted for ninety years.

00:12:35.000 --> 00:12:40.500
Nobody checked the rivets until the flood.

00:12:41.000 --> 00:12:45.000
<v Ana Lima>And then the whole town checked them.
"""


def write_civic(folder: Path) -> None:
    """A page with an audio URL and its timed, speaker-labelled transcript."""
    page = text_page(
        12,
        "Budgets and bridges",
        "Civic Hour",
        "Ana Lima",
        "City budgets explained.",
        "The council's budget vote is on Tuesday.",
        "2024-02-02",
    ).replace("| Host image: | a drawing |", f"| Audio: | {AUDIO} |")
    (folder / "eps-12.txt").write_text(page, encoding="utf-8")
    (folder / "eps-12.vtt").write_text(VTT, encoding="utf-8")


def server_command(*args: str) -> list[str]:
    """``searchpod ARGS``: the installed program beside this Python, else its module."""
    script = shutil.which("searchpod", path=str(Path(sys.executable).parent))
    return [script, *args] if script else [sys.executable, "-m", "searchpod.frontends.cli", *args]


@asynccontextmanager
async def mcp_session(log: Path, *args: str, env: dict[str, str] | None = None):
    command, *rest = server_command(*args, "mcp")
    params = StdioServerParameters(command=command, args=rest, env=env)
    with log.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mcp")
    pods = write_episodes(root / "pods")
    write_civic(pods)
    _, report = Index.build(root / "index", [pods])
    assert report.ok and len(report.added) == 4, report
    return root


@pytest.fixture(scope="module")
async def session(fixture_index: Path) -> AsyncIterator[ClientSession]:
    """One server for the module, on the index named by SEARCHPOD_INDEX."""
    env = {"SEARCHPOD_INDEX": str(fixture_index / "index")}
    async with mcp_session(fixture_index / "server.log", env=env) as session:
        yield session
    assert "Traceback" not in (fixture_index / "server.log").read_text()


async def answer(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    text = result.content[0].text
    assert not result.is_error, text
    return json.loads(text)


async def error(session: ClientSession, tool: str, **arguments: Any) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, result
    return result.content[0].text


async def test_lists_five_read_only_tools_that_teach_the_query_language(
    session: ClientSession,
) -> None:
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert set(tools) == {"search", "moments", "get_episode", "read_transcript", "list_shows"}
    for tool in tools.values():
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.annotations.open_world_hint is False
    description = tools["search"].description
    for lesson in ('"north korea"', " OR ", "speaker:", "episode:[10 TO 20]", "published:2023"):
        assert lesson in description
    assert not description.startswith(" ")
    assert {"query", "show", "host", "since", "sort", "limit", "page"} <= set(
        tools["search"].input_schema["properties"]
    )


async def test_readme_documents_every_tool_and_parameter(session: ClientSession) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using it from an AI assistant (MCP)") :]
    section = section[: section.index("\n## ")]
    for tool in (await session.list_tools()).tools:
        assert f"| `{tool.name}` |" in section
        for parameter in tool.input_schema["properties"]:
            assert f"`{parameter}`" in section, (tool.name, parameter)


async def test_search_hit_has_time_speaker_and_link_and_nothing_repeated(
    session: ClientSession,
) -> None:
    data = await answer(session, "search", query="rivets")
    assert data["total"] == 1 and "next_page" not in data
    (hit,) = data["hits"]
    assert hit["id"] == "pods/eps-12.txt"
    assert hit["title"] == "Eps 12: Budgets and bridges" and hit["show"] == "Civic Hour"
    assert hit["published"] == "2024-02-02" and hit["url"] == AUDIO
    snippet = hit["snippets"][0]
    assert snippet["time"] == "00:12:35" and snippet["seconds"] == 755.0
    assert snippet["speaker"] == "Felix Grant"
    assert snippet["link"] == f"{AUDIO}#t=755"
    assert "Nobody checked the **rivets** until the flood." in snippet["text"]
    # Compact: no scores, offsets, file paths or empty fields.
    assert not {"score", "source", "title_highlights", "highlights"} & {*hit, *snippet}
    assert None not in [*hit.values(), *snippet.values()]


async def test_moments_say_when_with_episode_details_once(session: ClientSession) -> None:
    data = await answer(session, "moments", query="checked")
    assert set(data["episodes"]) == {"pods/eps-12.txt"}
    assert data["episodes"]["pods/eps-12.txt"]["title"] == "Eps 12: Budgets and bridges"
    said = data["moments"]
    assert said and all(m["id"] == "pods/eps-12.txt" for m in said)
    assert all("title" not in m and "score" not in m for m in said)
    first = said[0]
    assert first["time"].startswith("00:12:") and "**checked**" in first["text"]
    assert first["link"] == f"{AUDIO}#t={int(first['seconds'])}"
    only = await answer(session, "moments", query="keepers", show="deep water")
    assert set(only["episodes"]) <= {"pods/eps-3.txt"}
    capped = await answer(session, "moments", query="checked", limit=10_000)
    assert any("limit 10000" in note for note in capped["notes"])
    assert "unclosed" in await error(session, "moments", query='"fog')


async def test_search_filters_sort_and_pages(session: ClientSession) -> None:
    only = await answer(session, "search", query="keepers", show="harbour lights")
    assert [h["id"] for h in only["hits"]] == ["pods/eps-1.txt"]
    first = await answer(session, "search", query="keepers", sort="newest", limit=1)
    assert first["total"] == 2 and first["next_page"] == 2
    assert [h["id"] for h in first["hits"]] == ["pods/eps-3.txt"]
    second = await answer(session, "search", query="keepers", sort="newest", limit=1, page=2)
    assert [h["id"] for h in second["hits"]] == ["pods/eps-1.txt"]
    assert "next_page" not in second
    dated = await answer(session, "search", query="keepers", since="2023", until="2023-12")
    assert [h["id"] for h in dated["hits"]] == ["pods/eps-3.txt"]
    numbered = await answer(session, "search", query="keepers", episode="..2", host="okafor")
    assert [h["id"] for h in numbered["hits"]] == ["pods/eps-1.txt"]
    spoken = await answer(session, "search", query="bridges", speaker="Ana Lima")
    assert spoken["total"] == 1
    faceted = await answer(session, "search", query="keepers", facets=True)
    assert faceted["facets"]["show"] == {"Harbour Lights": 1, "Deep Water": 1}


async def test_words_mode_relaxes_or_not(session: ClientSession) -> None:
    relaxed = await answer(session, "search", query="keepers bridges")
    assert relaxed["total"] > 0 and relaxed["relaxed"] is True
    strict = await answer(session, "search", query="keepers bridges", mode="all")
    assert strict["total"] == 0 and "relaxed" not in strict
    either = await answer(session, "search", query="keepers bridges", mode="any")
    assert either["total"] == relaxed["total"] and "relaxed" not in either
    assert (await answer(session, "moments", query="keepers bridges", mode="all"))["total"] == 0
    assert await error(session, "search", query="keepers", mode="some")  # not in the schema


async def test_snippets_per_hit_are_bounded(session: ClientSession) -> None:
    none = await answer(session, "search", query="checked", snippets=0)
    assert "snippets" not in none["hits"][0]
    assert await error(session, "search", query="checked", snippets=50)


async def test_huge_limit_is_clamped_and_says_so(session: ClientSession) -> None:
    data = await answer(session, "search", query="keepers OR bridges", limit=1_000_000)
    assert data["total"] == 3 and len(data["hits"]) == 3
    assert any("limit 1000000" in note and "50" in note for note in data["notes"])


async def test_a_typo_finds_near_spellings_and_says_so(session: ClientSession) -> None:
    data = await answer(session, "search", query="octopusses")
    assert data["hits"][0]["id"] == "pods/eps-3.txt"
    assert data["fuzzy"] is True and data["did_you_mean"]


async def test_bad_query_is_a_tool_error_and_the_server_goes_on(session: ClientSession) -> None:
    message = await error(session, "search", query="title:(unclosed")
    assert "bad query 'title:(unclosed'" in message and "unclosed '('" in message
    assert "unknown field 'colour'" in await error(session, "search", query="colour:red")
    assert "--since" in await error(session, "search", query="keepers", since="last week")
    assert await error(session, "search", query="keepers", sort="best")  # not in the schema
    assert (await answer(session, "list_shows"))["episodes"] == 4


async def test_unknown_id_is_a_tool_error(session: ClientSession) -> None:
    for tool in ("get_episode", "read_transcript"):
        message = await error(session, tool, episode_id="pods/nope.txt")
        assert message.endswith(
            f"{tool}: no episode with id 'pods/nope.txt' in the index; "
            "ids are the `id` of search hits, like 'pods/eps-12.txt'"
        )
        near = await error(session, tool, episode_id="eps-12")
        assert near.endswith("did you mean 'pods/eps-12.txt'?")


async def test_get_episode_gives_metadata_and_what_the_transcript_holds(
    session: ClientSession,
) -> None:
    data = await answer(session, "get_episode", episode_id="pods/eps-12.txt")
    assert data["title"] == "Eps 12: Budgets and bridges" and data["episode"] == 12
    assert data["host"] == "Ana Lima" and data["summary"] == "City budgets explained."
    assert data["media_url"] == AUDIO and data["published"] == "2024-02-02"
    assert "cues" not in data
    transcript = data["transcript"]
    assert transcript["cues"] == 5 and transcript["speakers"] == ["Ana Lima", "Felix Grant"]
    assert transcript["duration"] == "00:12:45" and transcript["seconds"] == 765.0


async def test_read_transcript_around_a_moment(session: ClientSession) -> None:
    data = await answer(session, "read_transcript", episode_id="pods/eps-12.txt", around=755)
    assert data["start"] == "00:12:30" and data["seconds"] == 750.0
    assert data["link"] == f"{AUDIO}#t=750"
    assert data["text"].splitlines() == [
        "[00:12:30] Felix Grant: They rusted for ninety years. Nobody checked the rivets "
        "until the flood.",
        "[00:12:41] Ana Lima: And then the whole town checked them.",
    ]
    assert "next_start" not in data and "notes" not in data


async def test_read_transcript_by_range_and_length(session: ClientSession) -> None:
    whole = await answer(session, "read_transcript", episode_id="pods/eps-12.txt")
    assert whole["text"].splitlines() == [
        "[00:00:01] Ana Lima: Welcome to the show about bridges.",
        "[00:00:04] Felix Grant: The girders were painted in 1931.",
        # Same speaker, but a line holds at most 15 s.
        "[00:12:30] They rusted for ninety years. Nobody checked the rivets until the flood.",
        "[00:12:41] Ana Lima: And then the whole town checked them.",
    ]
    head = await answer(session, "read_transcript", episode_id="pods/eps-12.txt", end=10)
    assert head["text"] == "\n".join(whole["text"].splitlines()[:2])
    cut = await answer(session, "read_transcript", episode_id="pods/eps-12.txt", max_chars=100)
    assert len(cut["text"]) <= 100 and cut["next_start"] == 4.5
    assert any("max_chars=100" in note for note in cut["notes"])
    rest = await answer(
        session, "read_transcript", episode_id="pods/eps-12.txt", start=cut["next_start"]
    )
    assert rest["text"].startswith("[00:00:04] Felix Grant: The girders")
    huge = await answer(session, "read_transcript", episode_id="pods/eps-12.txt", max_chars=10**9)
    assert any("20000" in note for note in huge["notes"])
    after = await answer(session, "read_transcript", episode_id="pods/eps-12.txt", start=3600)
    assert after["text"] == "" and after["notes"] == [
        "no transcript in that time: it runs to 00:12:45"
    ]
    assert "before start" in await error(
        session, "read_transcript", episode_id="pods/eps-12.txt", start=100, end=50
    )


async def test_read_transcript_of_an_episode_without_one_gives_its_page_text(
    session: ClientSession,
) -> None:
    data = await answer(session, "read_transcript", episode_id="pods/eps-2.txt")
    assert data["text"].startswith("Medieval bakers were fined for short loaves.")
    assert data["notes"] == ["no transcript: this is the episode page's text"]


async def test_list_shows(session: ClientSession) -> None:
    data = await answer(session, "list_shows")
    assert data == {
        "episodes": 4,
        "timed_episodes": 1,
        "shows": {"Harbour Lights": 2, "Civic Hour": 1, "Deep Water": 1},
        "hosts": {"Mara Okafor": 2, "Ana Lima": 1, "Jonas Petrov": 1},
    }


def test_long_lists_of_shows_and_hosts_are_cut_with_a_note(
    fixture_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchpod.frontends import mcp_server

    monkeypatch.setattr(mcp_server, "MAX_NAMES", 1)
    tools = mcp_server.IndexTools(fixture_index / "index")
    shows = json.loads(tools.list_shows())
    assert shows["shows"] == {"Harbour Lights": 2} and shows["hosts"] == {"Mara Okafor": 2}
    assert shows["notes"] == [
        "shows: the 1 with most episodes of 3",
        "hosts: the 1 with most episodes of 3",
    ]
    faceted = json.loads(tools.search("keepers OR bridges", facets=True))
    assert faceted["facets"]["show"] == {"Civic Hour": 1}  # ties: by name
    assert "show: the 1 with most episodes of 3" in faceted["notes"]
    tools.index().close()


async def test_each_call_sees_the_last_commit_of_another_indexing_process(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index"
    async with mcp_session(tmp_path / "server.log", "--index", str(index)) as session:
        # Started before the index exists: a tool error until it does.
        assert "no index at" in await error(session, "search", query="rivets")
        pods = tmp_path / "pods"
        pods.mkdir()
        write_civic(pods)
        Index.build(index, [pods])
        assert (await answer(session, "search", query="rivets"))["total"] == 1
        assert (await answer(session, "search", query="keepers"))["total"] == 0
        write_episodes(tmp_path / "more")
        Index(index).add_paths([tmp_path / "more"])
        assert (await answer(session, "search", query="keepers"))["total"] == 2
        assert (await answer(session, "list_shows"))["episodes"] == 4


def test_without_the_extra_the_command_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "searchpod.frontends.mcp_server", raising=False)
    for name in [n for n in sys.modules if n.split(".")[0] == "mcp"]:
        monkeypatch.setitem(sys.modules, name, None)  # makes importing it fail
    result = CliRunner().invoke(main, ["mcp"])
    assert result.exit_code == 2
    assert "pip install 'searchpod[mcp]'" in result.stderr
