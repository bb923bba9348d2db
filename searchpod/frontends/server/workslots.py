"""Work slots: how many requests ``searchpod serve`` works on at once, and who waits.

A request takes a slot for as long as it is being answered (a search runs in a worker
thread meanwhile). When every slot is taken, up to ``MAX_WAITING`` more requests wait for
one, each at most ``WAIT_S``; past that a request is answered 503 at once. Only work takes
a slot: a connection that is open but has not sent a whole request holds none (see
``connections``), so idle or slow clients cannot make others wait. Searches are bounded in
work (``searchpod.engine.budget``), so a slot frees within about a second.
"""

from __future__ import annotations

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# Searches hold Python's lock while they compute: a few at once keep both a core busy and
# the answer to each quick; more only share the same cores thinner.
MAX_WORKING = 8
# A waiting request costs a coroutine, not a thread: the wait, not the queue, bounds latency.
MAX_WAITING = 512
WAIT_S = 5.0
BUSY = "the server is busy: every work slot is taken; try again in a moment"


class WorkSlots:
    """ASGI middleware: at most ``working`` requests handled at once, ``waiting`` queued."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        working: int | None = None,
        waiting: int | None = None,
        wait_s: float | None = None,
    ) -> None:
        self.app = app
        self.working = MAX_WORKING if working is None else working
        self.waiting = MAX_WAITING if waiting is None else waiting
        self.wait_s = WAIT_S if wait_s is None else wait_s
        self._slots: anyio.Semaphore | None = None
        self._queued = 0

    @property
    def busy(self) -> int:
        """Slots taken now."""
        return 0 if self._slots is None else self.working - self._slots.value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            # Made in the server's event loop, on its first request.
            self._slots = anyio.Semaphore(self.working)
        slots = self._slots
        try:
            slots.acquire_nowait()
        except anyio.WouldBlock:
            if self._queued >= self.waiting:
                await _busy(scope, receive, send)
                return
            self._queued += 1
            try:
                with anyio.move_on_after(self.wait_s) as waited:
                    await slots.acquire()
            finally:
                self._queued -= 1
            if waited.cancelled_caught:
                await _busy(scope, receive, send)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


async def _busy(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"error": {"status": 503, "message": BUSY}},
        status_code=503,
        headers={"retry-after": "1"},
    )
    await response(scope, receive, send)
