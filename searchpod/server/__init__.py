"""``searchpod serve``: the HTTP API and the web page (needs the ``searchpod[serve]`` extra)."""

from __future__ import annotations

import os

from searchpod.server.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Requests in flight at once; past it uvicorn answers 503 rather than queueing without end.
MAX_CONCURRENCY = 64


def serve(
    index: str | os.PathLike[str], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> None:
    """Serve ``index`` on ``host:port`` until interrupted (loopback only by default)."""
    import uvicorn

    uvicorn.run(
        create_app(index),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        limit_concurrency=MAX_CONCURRENCY,
        h11_max_incomplete_event_size=16 * 1024,
    )


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "serve"]
