"""How ``searchpod serve`` treats connections: an open socket costs a file, never a work slot.

uvicorn's h11 protocol, with three bounds it lacks:

- **A deadline for each request's head.** A client has ``REQUEST_HEAD_S`` from connecting (or
  from its last answer) to send a whole request line and headers. uvicorn gives a fresh
  connection that sends nothing no deadline at all, and restarts its keep-alive timer on
  every byte, so a client sending a header a byte at a time was never cut off. Past the
  deadline the connection is closed (with a 408 when part of a request had arrived).
- **Idle connections give way.** Past ``MAX_CONNECTIONS`` open at once, a new connection
  closes the one that has waited longest without a request in progress (or, if every
  connection is being answered, is closed itself): sockets that send nothing cannot lock
  other clients out, as uvicorn's ``limit_concurrency`` (which counts connections) let them.
- **uvicorn's own answers carry the security headers** (its 400 for a malformed request).

How many requests are *worked on* at once is the app's business (``workslots``).
"""

from __future__ import annotations

from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from searchpod.frontends.server.app import SECURITY_HEADERS

REQUEST_HEAD_S = 5.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 1000


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head deadline and idle connections shed."""

    head_s = REQUEST_HEAD_S
    max_connections = MAX_CONNECTIONS

    def connection_made(self, transport: Any) -> None:
        self._head_timer: Any = None
        super().connection_made(transport)
        self._await_head()
        self._shed_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()  # a whole request came (or a bad one, answered 400)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()  # the next request's head has the same deadline

    def send_400_response(self, msg: str) -> None:
        body = msg.encode("ascii", "replace")
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
        ]
        output = self.conn.send(
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
        )
        output += self.conn.send(h11.Data(data=body))
        output += self.conn.send(h11.EndOfMessage())
        self.transport.write(output)
        self.transport.close()

    # -- bounds ----------------------------------------------------------------------------

    def idle(self) -> bool:
        """No request in progress: waiting for one (or for its head to finish)."""
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )

    def _await_head(self) -> None:
        self._cancel_head_timer()
        self.waiting_since = self.loop.time()
        self._head_timer = self.loop.call_later(self.head_s, self._head_late)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self.idle():
            return
        if self.conn.trailing_data[0]:
            # Part of a request arrived: say why it is being closed.
            self.transport.write(_TIMEOUT_408)
        self.transport.close()

    def _shed_idle(self) -> None:
        if len(self.connections) <= self.max_connections:
            return
        idle = [
            c
            for c in self.connections
            if c is not self and isinstance(c, BoundedH11Protocol) and c.idle()
        ]
        victim = min(idle, key=lambda c: c.waiting_since) if idle else self
        victim.transport.close()


def _raw_response(status: int, reason: str, message: str) -> bytes:
    body = message.encode()
    head = [
        f"HTTP/1.1 {status} {reason}".encode(),
        b"content-type: text/plain; charset=utf-8",
        b"content-length: %d" % len(body),
        b"connection: close",
        *(name + b": " + value for name, value in SECURITY_HEADERS),
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_TIMEOUT_408 = _raw_response(
    408, "Request Timeout", f"the request's headers did not arrive within {REQUEST_HEAD_S:g} s"
)
