"""The queries a search runs: every word first, then most of them (see ``searchpod.query.relax``).

Splits a parsed Whoosh query into required words, filler words and constraints, and builds
the strict and relaxed forms the search runs one after the other.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from searchpod.engine.query import leaves, term_text
from searchpod.options import Mode

# A query of more words that matter than this (a pasted paragraph, a long question) is
# ranked on its words together from the start: no episode holds all of them, and looking
# for one first cost typed questions twice the time of the same words OR'd.
EVERY_WORD_UP_TO = 6


@dataclass(frozen=True)
class Plan:
    """The queries to run: ``strict`` first, ``relaxed`` (when not None) if it finds few."""

    strict: Any
    relaxed: Any | None
    # Index terms of the filler words made optional: they score, but are not what is sought.
    fillers: frozenset[str] = frozenset()


def plan(
    parsed: Any,
    fillers: frozenset[str],
    mode: Mode,
    *,
    word_fields: Iterable[str],
    repeats: Mapping[str, int] | None = None,
) -> Plan:
    """Split a parsed conjunction into required words, filler words, and its relaxed form.

    Clauses on other fields than ``word_fields`` (``speaker:``, ``episode:``, dates) and
    ``NOT`` clauses are constraints: they stay required however the words are combined.
    A word said ``n`` times in the query (``repeats``: index term -> n) weighs ``n`` times.
    """
    clauses = list(parsed.children()) if isinstance(parsed, wq.And) else [parsed]
    fields = frozenset(word_fields)
    constraints = [c for c in clauses if _is_constraint(c, fields)]
    words = [c for c in clauses if not _is_constraint(c, fields)]
    if repeats:
        words = [_repeated(c, repeats) for c in words]
        if isinstance(parsed, wq.And):
            parsed = wq.And(constraints + words)
    optional = [c for c in words if _is_filler(c, fillers)]
    required = [c for c in words if not _is_filler(c, fillers)]
    if not required:
        required, optional = optional, []
    if len(words) < 2 or (not optional and mode is not Mode.ANY and len(required) < 2):
        return Plan(parsed, None)  # one word: nothing to relax or to make optional
    strict = _maybe(_all_of(required + constraints), optional)
    # Fillers are never enough on their own: an episode must hold a word that matters.
    relaxed = _maybe(_all_of([wq.Or(required), *constraints]), optional)
    optional_terms = frozenset(term_text(t) for c in optional for _, t in c.iter_all_terms())
    if mode is Mode.ANY or (mode is Mode.AUTO and len(required) > EVERY_WORD_UP_TO):
        return Plan(relaxed, None, optional_terms)
    if mode is Mode.ALL or len(required) < 2:
        return Plan(strict, None, optional_terms)
    return Plan(strict, relaxed, optional_terms)


def _repeated(clause: Any, repeats: Mapping[str, int]) -> Any:
    """``clause`` weighted by how often its word was said, when it is one plain word."""
    if any(isinstance(leaf, wq.Phrase) for leaf in leaves(clause)):
        return clause
    texts = {term_text(t) for _, t in clause.iter_all_terms()}
    if len(texts) != 1:
        return clause
    times = repeats.get(next(iter(texts)), 1)
    return _weighted(clause, times) if times > 1 else clause


def _maybe(required: Any, optional: list[Any]) -> Any:
    """``required``, with ``optional`` adding to the score where present.

    Not Whoosh's ``AndMaybe``: on an index of several segments its matcher lost or invented
    matches when the required side was compound (``(mind AND go) ANDMAYBE when`` found
    nothing). ``Every`` makes the optional side match everywhere, adding the same to all.
    """
    if not optional:
        return required
    light = [_weighted(c, FILLER_WEIGHT) for c in optional]
    return wq.And([required, wq.Or([*light, wq.Every()])])


# What a filler word ("what", "papers", "would") weighs beside a word that matters: it
# breaks ties between episodes, and no more (at full weight it cost CISI and Cranfield).
FILLER_WEIGHT = 0.1


def _weighted(q: Any, factor: float) -> Any:
    q = copy.deepcopy(q)
    q.boost = q.boost * factor
    return q


def _all_of(clauses: list[Any]) -> Any:
    return wq.And(clauses) if len(clauses) > 1 else clauses[0]


def _is_constraint(clause: Any, word_fields: frozenset[str]) -> bool:
    if isinstance(clause, wq.Not):
        return True
    fields = {f for f, _ in clause.iter_all_terms()} | {
        getattr(leaf, "fieldname", None) for leaf in leaves(clause)
    }
    fields.discard(None)
    return not fields or not fields <= word_fields


def _is_filler(clause: Any, fillers: frozenset[str]) -> bool:
    if not fillers or any(isinstance(leaf, wq.Phrase) for leaf in leaves(clause)):
        return False
    texts = {term_text(t) for _, t in clause.iter_all_terms()}
    return bool(texts) and texts <= fillers
