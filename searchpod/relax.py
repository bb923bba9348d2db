"""How a query's words are combined: every word first, then most of them.

People type questions ("what similarity laws must be obeyed when ...") and expect the
episodes about them, not zero results because one word is missing. The plan: every word
that carries meaning is required first; the words of a question or request ("what", "how",
"I am interested in", "papers on") are never required, only counted when present. When all
required words together match fewer than ``RELAX_BELOW`` episodes (or too few to fill the
page asked for), episodes matching some of them follow, ranked after the full matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from whoosh import query as wq

Mode = Literal["auto", "all", "any"]
MODES: tuple[Mode, ...] = ("auto", "all", "any")

# Fewer full matches than this and the query goes on with partial matches.
RELAX_BELOW = 10


def relax_below(page: int, limit: int) -> int:
    """How many full matches are "few": fewer than 10, or than the pages up to this one hold."""
    return max(RELAX_BELOW, page * limit)


# Words that phrase a question or a request rather than its subject: a query-side stop list.
# Index-side stop words (analysis.STOP_WORDS) never reach a query at all.
FILLER_WORDS = frozenset(
    """
    what whats how which who whom whose why when where whether can could would should shall
    must may might do does did done i im me my mine we our us you your am is are was were be
    been being have has had having any some anything something about also very so than too
    please interested interesting information info regarding concerning pertaining relating related
    relevant articles article papers paper documents document publications publication
    literature references reference material materials available exist exists existing
    episode episodes podcast podcasts
    """.split()
)

_PLAIN_WORD = re.compile(r"(?<![\w:\"'])([A-Za-z]+(?:['’][A-Za-z]+)?)(?![\w:*?~])")
_QUOTED = re.compile(r'"[^"]*"')


def filler_stems(text: str, stem: Callable[[str], str]) -> frozenset[str]:
    """Index terms of ``text`` that only its filler words produce.

    A filler inside quotes or after a field name is meant literally, and a filler whose
    stem a content word shares ("interested" next to "interest rates") stays required.
    """
    plain = [m.group(1) for m in _PLAIN_WORD.finditer(_QUOTED.sub(" ", text))]
    fillers = {stem(w) for w in plain if _folded(w) in FILLER_WORDS}
    content = {stem(w) for w in plain if _folded(w) not in FILLER_WORDS}
    return frozenset(fillers - content)


def _folded(word: str) -> str:
    return word.lower().replace("’", "").replace("'", "")


@dataclass(frozen=True)
class Plan:
    """The queries to run: ``strict`` first, ``relaxed`` (when not None) if it finds few."""

    strict: Any
    relaxed: Any | None
    # Index terms of the filler words made optional: they score, but are not what is sought.
    fillers: frozenset[str] = frozenset()


def plan(parsed: Any, fillers: frozenset[str], mode: Mode, *, word_fields: Iterable[str]) -> Plan:
    """Split a parsed conjunction into required words, filler words, and its relaxed form.

    Clauses on other fields than ``word_fields`` (``speaker:``, ``episode:``, dates) and
    ``NOT`` clauses are constraints: they stay required however the words are combined.
    """
    clauses = list(parsed.children()) if isinstance(parsed, wq.And) else [parsed]
    fields = frozenset(word_fields)
    constraints = [c for c in clauses if _is_constraint(c, fields)]
    words = [c for c in clauses if not _is_constraint(c, fields)]
    optional = [c for c in words if _is_filler(c, fillers)]
    required = [c for c in words if not _is_filler(c, fillers)]
    if not required:
        required, optional = optional, []
    if len(words) < 2 or (not optional and mode != "any" and len(required) < 2):
        return Plan(parsed, None)  # one word: nothing to relax or to make optional
    strict = _maybe(_all_of(required + constraints), optional)
    # Fillers are never enough on their own: an episode must hold a word that matters.
    relaxed = _maybe(_all_of([wq.Or(required), *constraints]), optional)
    optional_terms = frozenset(_text(t) for c in optional for _, t in c.iter_all_terms())
    if mode == "any":
        return Plan(relaxed, None, optional_terms)
    if mode == "all" or len(required) < 2:
        return Plan(strict, None, optional_terms)
    return Plan(strict, relaxed, optional_terms)


def _maybe(required: Any, optional: list[Any]) -> Any:
    """``required``, with ``optional`` adding to the score where present.

    Not Whoosh's ``AndMaybe``: on an index of several segments its matcher lost or invented
    matches when the required side was compound (``(mind AND go) ANDMAYBE when`` found
    nothing). ``Every`` makes the optional side match everywhere, adding the same to all.
    """
    if not optional:
        return required
    return wq.And([required, wq.Or([*optional, wq.Every()])])


def _all_of(clauses: list[Any]) -> Any:
    return wq.And(clauses) if len(clauses) > 1 else clauses[0]


def _is_constraint(clause: Any, word_fields: frozenset[str]) -> bool:
    if isinstance(clause, wq.Not):
        return True
    fields = {f for f, _ in clause.iter_all_terms()} | {
        getattr(leaf, "fieldname", None) for leaf in _leaves(clause)
    }
    fields.discard(None)
    return not fields or not fields <= word_fields


def _is_filler(clause: Any, fillers: frozenset[str]) -> bool:
    if not fillers or any(isinstance(leaf, wq.Phrase) for leaf in _leaves(clause)):
        return False
    texts = {_text(t) for _, t in clause.iter_all_terms()}
    return bool(texts) and texts <= fillers


def _leaves(q: Any) -> Iterable[Any]:
    if q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _leaves(child)


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
