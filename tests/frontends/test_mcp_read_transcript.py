"""read_transcript's window: the asked second always in it, lines as long as it says."""

from __future__ import annotations

import json
import re

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from searchpod import Index
from searchpod.frontends.mcp_server import LINE_S, IndexTools
from tests.serve_helpers import write_show

EPISODE = "show/ep-1.txt"
STAMP = re.compile(r"^\[(\d\d):(\d\d):(\d\d)\]", re.MULTILINE)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> IndexTools:
    root = tmp_path_factory.mktemp("mcp")
    write_show(root / "show", media_base="https://media.example/pod")
    Index.build(root / "index", [root / "show"])
    return IndexTools(root / "index")


def read(tools: IndexTools, **arguments: object) -> dict:
    return json.loads(tools.read_transcript(EPISODE, **arguments))


def _seconds(text: str) -> list[int]:
    return [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in STAMP.findall(text)]


@pytest.mark.parametrize("max_chars", [100, 150, 300, 4000])
@pytest.mark.parametrize("around", [12.5, 60, 61, 180, 244])
def test_around_always_includes_the_line_said_then(tools, around, max_chars):
    data = read(tools, around=around, max_chars=max_chars)
    starts = _seconds(data["text"])
    assert starts, data
    # The line said then starts at or before it, and the next line (if any) after it.
    assert [s for s in starts if s <= around], (around, starts)
    assert data.get("next_start", float("inf")) > around
    assert len(data["text"]) <= max_chars


def test_around_centres_the_window_when_it_must_cut(tools):
    # Read from the start, 150 characters end before 0:16; centred, they hold the line said
    # then and the one before it (the one after is too long to fit).
    data = read(tools, around=16, max_chars=150)
    assert _seconds(data["text"]) == [12, 16]
    assert data["text"].endswith("[00:00:16] Mara Okafor: Nobody answered it.")
    assert data["start"] == "00:00:12" and data["next_start"] == 20


def test_lines_span_at_most_line_s_unless_one_cue_is_longer(tools):
    episode = Index(tools.path).get(EPISODE)
    data = read(tools, max_chars=20_000)
    starts = _seconds(data["text"])
    for first, following in zip(starts, [*starts[1:], None], strict=True):
        within = [c for c in episode.cues if first <= (c.start or 0) < (following or float("inf"))]
        end = max(c.end or c.start or 0 for c in within)
        assert len(within) == 1 or end - first <= LINE_S + 1, (first, end)
    description = IndexTools.read_transcript.__doc__ or ""
    assert f"up to {LINE_S:g} s unless one cue is longer" in " ".join(description.split())


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        ("ep-1", "did you mean 'show/ep-1.txt'?"),
        ("366", "ids are the `id` of search hits, like 'show/"),
    ],
)
def test_an_unknown_id_says_what_an_id_looks_like(tools, asked, says):
    for tool in (tools.read_transcript, tools.get_episode):
        with pytest.raises(ToolError) as caught:
            tool(asked)
        message = str(caught.value)
        assert message.startswith(f"no episode with id '{asked}' in the index; ")
        assert says in message and "\n" not in message
