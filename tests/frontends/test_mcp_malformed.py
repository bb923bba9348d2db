"""``searchpod mcp`` answers every malformed call, in one line of its own words.

Wrong types and out-of-range values go through the SDK's own client; lone surrogates
cannot (its JSON writer refuses them), so those lines are written to the server's stdin by
hand, as a client in another language could send them.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.frontends.test_mcp_server import fixture_index, mcp_session, server_command

pytestmark = pytest.mark.anyio
__all__ = ["fixture_index"]  # the module's index, shared with the other MCP tests

# Far longer than any answer takes: a missing answer fails the test instead of hanging it.
REPLY_WITHIN_S = 30.0
BAD_VALUES: list[Any] = [None, "x", "", -1, 0, 10**12, -(10**12), 1.5, True, [], {}, "\x00" * 3]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def one_line_of_ours(text: str) -> None:
    assert text and "\n" not in text, text
    for pydantic_words in ("validation error", "pydantic", "Arguments\n", "For further"):
        assert pydantic_words not in text, text


async def test_wrong_types_and_ranges_are_one_line_tool_errors(fixture_index: Path) -> None:
    env = {"SEARCHPOD_INDEX": str(fixture_index / "index")}
    async with mcp_session(fixture_index / "malformed.log", env=env) as session:
        tools = (await session.list_tools()).tools
        calls = 0
        for tool in tools:
            required = {"query": "bridges", "episode_id": "pods/eps-12.txt"}
            base = {k: v for k, v in required.items() if k in tool.input_schema["properties"]}
            for parameter in tool.input_schema["properties"]:
                for value in BAD_VALUES:
                    result = await session.call_tool(tool.name, {**base, parameter: value})
                    calls += 1
                    if result.is_error:
                        one_line_of_ours(result.content[0].text)
        assert calls > 100
        # The server went on serving.
        assert not (await session.call_tool("list_shows", {})).is_error
    log = (fixture_index / "malformed.log").read_text()
    assert "Traceback" not in log


async def test_an_out_of_range_value_says_which_and_why(fixture_index: Path) -> None:
    env = {"SEARCHPOD_INDEX": str(fixture_index / "index")}
    async with mcp_session(fixture_index / "range.log", env=env) as session:
        result = await session.call_tool("search", {"query": "x", "page": 0, "sort": "best"})
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("Error executing tool search: ")
    assert "sort must be one of 'relevance', 'newest' or 'oldest' (got 'best')" in text
    assert "page must be at least 1 (got 0)" in text
    one_line_of_ours(text)


@pytest.fixture
def raw_server(fixture_index: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``searchpod mcp`` spoken to line by line, initialised."""
    env = {**os.environ, "SEARCHPOD_INDEX": str(fixture_index / "index")}
    command = server_command("mcp")
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as server:
        hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}
        hello["clientInfo"]["version"] = "1"
        send(
            server, json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello})
        )
        assert reply(server)["id"] == 0
        send(server, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        yield server
        assert server.stdin is not None
        server.stdin.close()
        server.wait(REPLY_WITHIN_S)
        assert server.stderr is not None
        assert b"Traceback" not in server.stderr.read()


def send(server: subprocess.Popen[bytes], line: str) -> None:
    assert server.stdin is not None
    server.stdin.write(line.encode() + b"\n")
    server.stdin.flush()


def reply(server: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert server.stdout is not None
    ready, _, _ = select.select([server.stdout], [], [], REPLY_WITHIN_S)
    assert ready, "no answer: the call would hang"
    return dict(json.loads(server.stdout.readline()))


def call(tool: str, arguments: str, id: int) -> str:
    """A tools/call line; ``arguments`` is JSON text, so it may hold ``\\ud800`` escapes."""
    return (
        f'{{"jsonrpc":"2.0","id":{id},"method":"tools/call",'
        f'"params":{{"name":"{tool}","arguments":{arguments}}}}}'
    )


@pytest.mark.parametrize(
    ("tool", "arguments", "named"),
    [
        ("search", '{"query": "\\ud800"}', "query"),
        ("search", '{"query": "bridges", "show": "a\\udfffb"}', "show"),
        ("search", '{"query": "bridges", "sort": "\\ud83d"}', "sort"),
        ("get_episode", '{"episode_id": "\\ud83d"}', "episode_id"),
        ("read_transcript", '{"episode_id": "\\udc00x", "start": 1}', "episode_id"),
        ("moments", '{"query": ["\\ud800"]}', "query.0"),
    ],
)
def test_lone_surrogates_get_a_one_line_tool_error(
    raw_server: subprocess.Popen[bytes], tool: str, arguments: str, named: str
) -> None:
    send(raw_server, call(tool, arguments, 7))
    answer = reply(raw_server)
    assert answer["id"] == 7 and answer["result"]["isError"] is True
    text = answer["result"]["content"][0]["text"]
    assert text == (
        f"Error executing tool {tool}: {named} holds characters that are not valid Unicode "
        "(a lone surrogate)"
    )
    # And the next call is answered as usual.
    send(raw_server, call("list_shows", "{}", 8))
    assert reply(raw_server)["result"].get("isError") is not True


def test_lines_that_are_not_json_rpc_are_answered_as_json_rpc_says(
    raw_server: subprocess.Popen[bytes],
) -> None:
    send(raw_server, "this is not JSON")
    assert reply(raw_server) == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "not JSON: cannot be read"},
    }
    send(
        raw_server, '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"\\ud800"}}'
    )
    answer = reply(raw_server)
    assert answer["id"] == 3 and answer["error"]["code"] == -32602
    assert "params.uri holds characters that are not valid Unicode" in answer["error"]["message"]


def test_the_library_says_not_found_for_an_id_that_is_not_text(fixture_index: Path) -> None:
    from searchpod import EpisodeNotFoundError, Index

    with Index(fixture_index / "index") as ix:
        for bad in ("\ud83d", "pods/eps-12.txt\udfff"):
            with pytest.raises(EpisodeNotFoundError, match="no episode with id"):
                ix.get(bad)
