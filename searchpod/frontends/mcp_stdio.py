"""``searchpod mcp``'s stdio transport: the SDK's, except that every request gets an answer.

The SDK reads each line with pydantic's JSON parser, which refuses some valid JSON (a lone
surrogate escape such as ``"\\ud800"``: JSON allows it, Python's ``json`` reads it), and then
drops the line without a word: the caller waits for an answer that never comes. Here a line
the SDK cannot read is answered in its place: a ``tools/call`` with a one-line tool error,
any other request with a JSON-RPC error; text that is not JSON at all with a parse error.
Notifications (no id) need no answer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from io import TextIOWrapper
from typing import Any

import anyio
from mcp import types
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError


async def serve_stdio(server: MCPServer) -> None:
    """Serve ``server`` over stdin/stdout until the client closes stdin."""
    stdin = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    lines = AnsweredLines(stdin)
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
        lines.answer_to(write_stream)
        # The SDK's own MCPServer.run_stdio_async, with these lines for its input.
        lowlevel = server._lowlevel_server
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


class AnsweredLines:
    """The lines of ``source`` that the SDK can read; the others are answered here."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._write: Any = None
        self._ready = anyio.Event()

    def answer_to(self, write_stream: Any) -> None:
        self._write = write_stream
        self._ready.set()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._source:
            answer = answer_for(line)
            if answer is None:
                yield line
                continue
            await self._ready.wait()
            await self._write.send(SessionMessage(answer))


def answer_for(line: str) -> types.JSONRPCMessage | None:
    """None when the SDK reads ``line`` itself; else the answer it would never have sent
    (None too for a notification, which has no answer)."""
    if not line.strip():
        return None
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError:
        pass
    else:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        error = types.ErrorData(code=types.PARSE_ERROR, message="not JSON: cannot be read")
        return types.JSONRPCError(jsonrpc="2.0", id=None, error=error)
    if not isinstance(message, dict) or not isinstance(message.get("id"), (int, str)):
        return None  # a notification or a response: nothing to answer
    problem = _problem(message)
    params = message.get("params")
    if message.get("method") == "tools/call" and isinstance(params, dict):
        result = types.CallToolResult(
            content=[
                types.TextContent(
                    type="text", text=f"Error executing tool {_name(params)}: {problem}"
                )
            ],
            is_error=True,
        )
        return types.JSONRPCResponse(
            jsonrpc="2.0",
            id=message["id"],
            result=result.model_dump(by_alias=True, exclude_none=True),
        )
    error = types.ErrorData(code=types.INVALID_PARAMS, message=problem)
    return types.JSONRPCError(jsonrpc="2.0", id=message["id"], error=error)


def _name(params: dict[str, Any]) -> str:
    name = params.get("name")
    return name if isinstance(name, str) and _valid(name) else "?"


def _problem(message: Any) -> str:
    path = _lone_surrogate(message)
    if path is None:
        return "the request cannot be read"
    if path[:2] == ("params", "arguments") and len(path) > 2:
        path = path[2:]  # an argument of the tool: named as the tool's errors name it
    where = ".".join(path) or "the request"
    return f"{where} holds characters that are not valid Unicode (a lone surrogate)"


def _lone_surrogate(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where in ``value`` the first text with a lone surrogate is (keys included)."""
    if isinstance(value, str):
        return None if _valid(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            shown = key if _valid(key) else "?"
            if not _valid(key):
                return (*path, shown)
            found = _lone_surrogate(item, (*path, shown))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, (*path, str(i)))
            if found is not None:
                return found
    return None


def _valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
