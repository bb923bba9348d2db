"""An indexing worker process: started by ``build.write_segments``, never by the host program.

Python's ``multiprocessing`` starts workers by importing the host's ``__main__`` again, so a
script without a main guard ran its own code once more in every worker, and a script read
from stdin could not start one at all. searchpod's workers are plain child processes of the
interpreter running this module's ``main`` (``python -c``, see ``worker_command``): the host's
code is never imported. They talk to the run over their standard streams, in frames of a
4-byte length and a pickle (both ends are this version of searchpod):

- the run sends its ``sys.path``, then the job (the generation and the episodes to write);
- the worker sends ``("hello", pid)`` on starting, ``("done", episode_id, failure)`` per
  episode, and ``("result", SegmentResult)`` at the end.

The run keeps the worker's stdin open: end of file there means the run is gone, and so is the
worker (with ``PR_SET_PDEATHSIG`` on Linux it goes at once, even when the run was SIGKILLed).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

_LENGTH = struct.Struct(">I")
# How often a worker checks that the run that started it is still alive.
PARENT_POLL_S = 0.2
_PR_SET_PDEATHSIG = 1


def send(stream: IO[bytes], message: Any) -> None:
    """Write one frame (``message`` pickled) and flush it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """Read one frame; raises EOFError when the other end closed the stream."""
    head = _read_exactly(stream, _LENGTH.size)
    return pickle.loads(_read_exactly(stream, _LENGTH.unpack(head)[0]))


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("the stream ended")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def boot_code(root: str, parent: int) -> str:
    """The program a worker runs (``python -c``): die with the run, then serve it.

    Asking the kernel to kill us with the run (``PR_SET_PDEATHSIG``, Linux) comes first,
    before importing searchpod takes its second: a run killed meanwhile leaves nothing. Then
    searchpod's own folder goes first on ``sys.path``, not the working directory.
    """
    return (
        # Ctrl-C is the run's to handle (``serve``): ignored first, then let through. The
        # run starts us with SIGINT blocked (``interrupts_held``), so one sent while this
        # interpreter was still starting (importing site, say, where it would have printed
        # a fatal error) waits, and is dropped here.
        "import os, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "if hasattr(signal, 'pthread_sigmask'):\n"
        "    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
        "if sys.platform.startswith('linux'):\n"
        "    try:\n"
        "        import ctypes\n"
        f"        ctypes.CDLL(None).prctl({_PR_SET_PDEATHSIG}, signal.SIGKILL, 0, 0, 0)\n"
        "    except (OSError, AttributeError):\n"
        "        pass\n"
        f"if os.getppid() != {parent}:\n"
        "    os._exit(1)\n"
        f"sys.path[0] = {root!r}\n"
        "from searchpod.indexing.build import worker_main\n"
        f"worker_main({parent})\n"
    )


@contextmanager
def interrupts_held() -> Iterator[None]:
    """SIGINT blocked in this thread meanwhile, for starting a worker: the worker inherits
    the mask, so Ctrl-C cannot reach it before it ignores SIGINT (``boot_code``). Here a
    Ctrl-C still reaches the run: Python's handler runs in whichever thread the kernel
    picks, and the main thread raises KeyboardInterrupt as usual."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, no SIGINT groups
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _leave_with_parent(parent: int) -> None:
    """End this worker soon after the run that started it dies, even by SIGKILL.

    On Linux the kernel does it (``boot_code``); everywhere, this watchdog ends us when our
    parent changes.
    """
    if os.getppid() != parent:
        os._exit(1)  # the run died before we could watch it

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)  # nobody will commit what we write

    threading.Thread(target=watch, name="searchpod-parent-watch", daemon=True).start()


def _watch_stdin(fd: int) -> None:
    """After the job: the run writes nothing more, so end of file means the run is gone."""

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, name="searchpod-stdin-watch", daemon=True).start()


def serve(parent: int, run_job: Callable[[Any, Callable[[Any], None]], None]) -> None:
    """Serve one job with ``run_job(job, report)``: write its episodes into one new segment,
    report, exit."""
    # The protocol has the real stdout to itself: anything printed (by a parser, a warning)
    # goes to stderr instead of into a frame.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer
    _leave_with_parent(parent)
    # Ctrl-C reaches the whole process group: the run handles it (and stops us), so
    # workers don't each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    send(out, ("hello", os.getpid()))
    try:
        paths = receive(stdin)
        # Where the host found searchpod's dependencies, if it changed sys.path itself.
        sys.path.extend(p for p in paths if p not in sys.path)
        job = receive(stdin)
    except EOFError:
        os._exit(1)  # the run gave up on us (another worker could not start)
    _watch_stdin(stdin.fileno())
    try:
        run_job(job, lambda message: send(out, message))
        out.close()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()  # the run says a worker failed and that its error is above
        code = 1
    sys.stderr.flush()
    # Not a normal exit: that would wait on the watchdogs (one is blocked reading stdin),
    # and nothing is left to clean up.
    os._exit(code)
