"""One budget of work per query: expanding its words, matching, facets and snippets share it.

A query may use ``QUERY_BUDGET_S`` seconds of CPU time of the thread running it; past that
it stops with ``OutOfTime`` (``searchpod.query.search`` turns it into a QueryError naming the
query). CPU time, not the wall clock: a busy machine, or other searches in other threads of a
server, slow a query down without using up its budget, so the same query gets the same
answer under load; what is bounded is the work the query itself asks for. (How many
queries a server runs at once is bounded separately, by its work slots.)

Expanding wildcard, prefix and fuzzy words may use ``EXPANSION_BUDGET_S`` of it; past that
the words not yet expanded are matched with the terms found so far, and the results say so.

The search code checks the budget where work grows with the index or the query: per
segment and per posting block when scoring, every few matches in Whoosh's own collector
(``budgeted``), per hit when building snippets. ``checkpoint()`` finds the budget of the
query running in this thread (set by ``Budget.running``), so the engine's loops need no
extra argument.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from whoosh import query as wq
from whoosh.matching import WrappingMatcher

# Terms one wildcard, prefix or fuzzy word may expand to, and all of a query's together.
MAX_EXPANSIONS = 256
MAX_QUERY_EXPANSIONS = 1024
# Edits a fuzzy word (``word~N``) may be away. At 3 a word matches a large share of the
# vocabulary and Whoosh's automaton grows exponentially with N (``community~9`` took 31 s);
# Typesense and Meilisearch cap typos at 2 too. A larger N is searched as 2, with a warning.
MAX_FUZZY_EDITS = 2
# Automata for fuzzy words grow with their length: longer words are only matched exactly.
MAX_FUZZY_CHARS = 24
# The work one query may do (CPU seconds of its thread), and the share expansion may take.
QUERY_BUDGET_S = 0.8
EXPANSION_BUDGET_S = 0.4
# Whoosh's collector checks the budget once per this many matcher steps: few, as one step of a
# union of hundreds of expanded terms can read and inflate many posting blocks (at 64, a query
# of three 256-term prefixes ran 1.8 s past a 0.8 s budget).
CHECK_EVERY = 8

_running: ContextVar[Budget | None] = ContextVar("searchpod_query_budget", default=None)


def _clock() -> float:
    return time.thread_time()


class OverBudget(Exception):
    """The query's expansion budget ran out before one of its words could expand at all."""


class OutOfTime(Exception):
    """The query used up its whole budget of work."""


class Budget:
    """How much work a query has left: terms to expand to, and CPU time."""

    def __init__(self) -> None:
        self.terms = MAX_QUERY_EXPANSIONS
        self.exhausted = False
        # Each wildcard/fuzzy word expands once per query (the relaxed pass asks again).
        self.expansions: dict[Any, list[bytes]] = {}
        self.restart()

    def restart(self) -> None:
        """Start counting the query's work from now."""
        now = _clock()
        self.deadline = now + EXPANSION_BUDGET_S
        self.end = now + QUERY_BUDGET_S

    @contextmanager
    def running(self) -> Iterator[Budget]:
        """Make this the budget ``checkpoint()`` checks in this thread, for the block."""
        token = _running.set(self)
        try:
            yield self
        finally:
            _running.reset(token)

    def check(self) -> None:
        """Raise OutOfTime when the whole budget is used up."""
        if _clock() > self.end:
            raise OutOfTime

    def spent(self) -> bool:
        """Whether expansion has used up its share (and so stopped early)."""
        if not self.exhausted and _clock() > self.deadline:
            self.exhausted = True
        return self.exhausted

    def expansion_left(self) -> float:
        """Seconds left of expansion's share (0 when spent)."""
        return max(0.0, self.deadline - _clock())

    def too_much(self) -> str:
        """Why a query over its expansion budget was refused (OverBudget)."""
        return (
            f"its wildcard and fuzzy words expand to more than {MAX_QUERY_EXPANSIONS} words "
            f"or {EXPANSION_BUDGET_S:g} s of work: use fewer of them, or longer prefixes"
        )

    def cut_short(self) -> str:
        """The warning for a query whose expansion stopped at the budget."""
        return (
            f"the query expands to too many words: searched the first ones found within "
            f"{EXPANSION_BUDGET_S:g} s and {MAX_QUERY_EXPANSIONS} words"
        )

    @staticmethod
    def too_slow() -> str:
        """Why a query that used up its whole budget was stopped (OutOfTime)."""
        return (
            f"needs more than {QUERY_BUDGET_S:g} s of work: narrow it (fewer wildcard or "
            "fuzzy words, longer prefixes, fewer results per page)"
        )


def checkpoint() -> None:
    """Raise OutOfTime if the query running in this thread has used up its budget."""
    budget = _running.get()
    if budget is not None:
        budget.check()


def budgeted(q: Any) -> Any:
    """``q``, checking the running query's budget as Whoosh's collector steps through it
    (for what ``collect`` leaves to Whoosh: phrases, NOT, sorting, facets)."""
    return _Budgeted(q)


class _Budgeted(wq.WrappingQuery):
    def _rewrap(self, child: Any) -> Any:
        return _Budgeted(child)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        checkpoint()  # building a segment's matcher tree reads postings too
        return _BudgetedMatcher(self.child.matcher(searcher, context))


class _BudgetedMatcher(WrappingMatcher):
    """Checks the budget every ``CHECK_EVERY`` steps; otherwise its child exactly."""

    def __init__(self, child: Any, boost: float = 1.0) -> None:
        super().__init__(child, boost)
        self._steps = 0

    def _replacement(self, newchild: Any) -> Any:
        return _BudgetedMatcher(newchild, self.boost)

    def _step(self) -> None:
        self._steps += 1
        if self._steps % CHECK_EVERY == 0:
            checkpoint()

    def next(self) -> Any:
        self._step()
        return self.child.next()

    def skip_to(self, id: int) -> Any:
        self._step()
        return self.child.skip_to(id)

    def skip_to_quality(self, minquality: float) -> Any:
        self._step()
        return self.child.skip_to_quality(minquality)

    def all_ids(self) -> Iterator[int]:
        for i, docnum in enumerate(self.child.all_ids()):
            if i % CHECK_EVERY == 0:
                checkpoint()
            yield docnum
