"""Array steps shared by numpy code that handles many variable-length runs at once.

A postings value or a passage table is a run of numbers (often deltas); decoding thousands
of them together means concatenating the runs and knowing where each begins. numpy is
imported by the callers' own code paths (moments, indexing), never at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What OpenBLAS (numpy's BLAS) reads for its thread pool's size. searchpod never multiplies
# matrices, and starting a pool of BLAS threads cost a process ~70 ms of CPU (and ~100 MB
# of address space): searchpod's own processes start numpy with one.
BLAS_THREADS = "OPENBLAS_NUM_THREADS"


def one_blas_thread(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with numpy's BLAS held to one thread, unless it says otherwise."""
    return {**environ, BLAS_THREADS: environ.get(BLAS_THREADS, "1")}


def run_starts(lengths: Any) -> Any:
    """Where each run begins in the runs concatenated: the sums of the lengths before it
    (an int64 array as long as ``lengths``; the first is 0)."""
    import numpy as np

    out = np.zeros(len(lengths), np.int64)
    if len(lengths) > 1:
        np.cumsum(lengths[:-1], out=out[1:])
    return out


def sums_within(deltas: Any, lengths: Any) -> Any:
    """Running sums of ``deltas`` restarting at each run (runs of ``lengths``, one after
    another): each run's deltas decoded from 0."""
    import numpy as np

    running = np.cumsum(deltas)
    first = run_starts(lengths)
    before = np.zeros(len(lengths), np.int64)
    has = lengths > 0
    before[has] = running[first[has]] - deltas[first[has]]
    return running - np.repeat(before, lengths)
