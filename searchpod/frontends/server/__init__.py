"""``searchpod serve``: the HTTP API and the web page (needs the ``searchpod[serve]`` extra)."""

from __future__ import annotations

import os

from searchpod.errors import SearchpodError
from searchpod.frontends.server.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Requests in flight at once; past it uvicorn answers 503 rather than queueing without end.
MAX_CONCURRENCY = 64
STARTUP_FAILURE = 3  # uvicorn's exit code when it cannot bind
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def serve(
    index: str | os.PathLike[str], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> None:
    """Serve ``index`` on ``host:port`` until interrupted (loopback only by default).

    Raises SearchpodError when the address cannot be listened on (in use, not this machine's).
    """
    import uvicorn

    try:
        uvicorn.run(
            create_app(index),
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
            limit_concurrency=MAX_CONCURRENCY,
            h11_max_incomplete_event_size=16 * 1024,
        )
    except SystemExit as exc:
        # uvicorn logs the reason (e.g. "address already in use") and exits 3 when it
        # cannot start; our exit codes say usage error.
        if exc.code == STARTUP_FAILURE:
            raise SearchpodError(f"cannot listen on {host}:{port} (reason above)") from None
        raise


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LOOPBACK", "create_app", "serve"]
