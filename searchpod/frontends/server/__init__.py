"""``searchpod serve``: the HTTP API and the web page (needs the ``searchpod[serve]`` extra)."""

from __future__ import annotations

import os
from typing import Any

from searchpod.errors import SearchpodError
from searchpod.frontends.server.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
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
        uvicorn.run(create_app(index), host=host, port=port, **uvicorn_options())
    except SystemExit as exc:
        # uvicorn logs the reason (e.g. "address already in use") and exits 3 when it
        # cannot start; our exit codes say usage error.
        if exc.code == STARTUP_FAILURE:
            raise SearchpodError(f"cannot listen on {host}:{port} (reason above)") from None
        raise


def uvicorn_options() -> dict[str, Any]:
    """How ``serve`` runs uvicorn (tests start the same server on a port of their own).

    Work is bounded by the app's work slots (``workslots``), not by uvicorn's
    ``limit_concurrency``, which counts open connections: 70 sockets that sent nothing
    made every other client get 503. Connections are bounded by ``connections``' protocol
    (a deadline for each request's head, idle connections shed past a maximum).
    """
    from searchpod.frontends.server.connections import KEEP_ALIVE_S, BoundedH11Protocol

    return {
        "http": BoundedH11Protocol,
        "log_level": "warning",
        "server_header": False,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LOOPBACK", "create_app", "serve"]
