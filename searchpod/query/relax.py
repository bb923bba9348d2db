"""How a query's words are combined: every word first, then most of them.

People type questions ("what similarity laws must be obeyed when ...") and expect the
episodes about them, not zero results because one word is missing. The plan: every word
that carries meaning is required first; the words of a question or request ("what", "how",
"I am interested in", "papers on") are never required, only counted when present. When all
required words together match fewer than ``RELAX_BELOW`` episodes (or too few to fill the
page asked for), episodes matching some of them follow, ranked after the full matches.

The words' rules live here; ``searchpod.engine.plan`` builds the engine's queries from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Fewer full matches than this and the query goes on with partial matches.
RELAX_BELOW = 10


def relax_below(limit: int) -> int:
    """How many full matches are "few": fewer than 10, or than one page holds.

    Not the pages up to the one asked for: every page of one query must see the same
    matches and the same total, or paging would repeat and skip results."""
    return max(RELAX_BELOW, limit)


# Words that phrase a question or a request rather than its subject: a query-side stop list.
# Stop words (analysis.STOP_WORDS) never reach an unquoted query at all.
FILLER_WORDS = frozenset(
    """
    what whats how which who whom whose why when where whether can could would should shall
    must may might do does did done i im me my mine we our us you your am is are was were be
    been being have has had having
    please interested interesting information info regarding concerning pertaining relating related
    relevant articles article papers paper documents document publications publication
    literature references reference material materials available exist exists existing
    episode episodes podcast podcasts
    describe describes described describing description descriptions discuss discusses
    discussed discussing discussion discussions explain explains explained explanation
    give given tell find show shown list want wanted need needed seek looking know
    etc
    """.split()
)

# Pronouns, determiners and quantifiers: the grammar of a sentence, filler in a question
# ("what have they found about both kinds of ..."), but chosen on purpose among a few typed
# words ("cross ways help both", a remembered line's rarest words). Filler only in a query
# of more than SENTENCE_FROM plain words. Measured: as fillers in every query, known items
# on real transcripts (benchmarks/relevance.py) fell from 0.950 to 0.929.
GRAMMAR_WORDS = frozenset(
    """
    he him his she her hers they them theirs it itself this that these those myself ourselves
    yourself themselves there here all both each either neither every other others another
    same such only just own then once any some anything something about also very so than too
    """.split()
)
SENTENCE_FROM = 6

# "e.g." and "i.e." (typed with or without their dots) introduce examples and rewordings in
# any field's writing: their letters are filler there, and only there ("vitamin e" keeps its
# "e"). As words they would be required, and "e" and "g" are in many abstracts and episodes.
_ABBREVIATION = re.compile(r"(?<![\w.:'’])(?:e(?:\.\s?|\s)g|i(?:\.\s?|\s)e)\b\.?", re.IGNORECASE)

_PLAIN_WORD = re.compile(r"(?<![\w:\"'])([A-Za-z]+(?:['’][A-Za-z]+)?)(?![\w:*?~])")
_QUOTED = re.compile(r'"[^"]*"')


def filler_stems(text: str, stem: Callable[[str], str]) -> frozenset[str]:
    """Index terms of ``text`` that only its filler words produce.

    A filler inside quotes or after a field name is meant literally, and a filler whose
    stem a content word shares ("interested" next to "interest rates") stays required.
    """
    text = _QUOTED.sub(" ", text)
    said = {stem(c) for m in _ABBREVIATION.finditer(text) for c in m.group(0) if c.isalpha()}
    text = _ABBREVIATION.sub(" ", text)
    plain = [m.group(1) for m in _PLAIN_WORD.finditer(text)]
    words = FILLER_WORDS | GRAMMAR_WORDS if len(plain) > SENTENCE_FROM else FILLER_WORDS
    fillers = said | {stem(w) for w in plain if _folded(w) in words}
    content = {stem(w) for w in plain if _folded(w) not in words}
    return frozenset(fillers - content)


def _folded(word: str) -> str:
    return word.lower().replace("’", "").replace("'", "")


def repeated_stems(text: str, stem: Callable[[str], str]) -> dict[str, int]:
    """Index terms said more than once among ``text``'s plain words, with how often.

    A long question names its subject more than once ("titles ... approximate titles ...
    their titles"): each repeat counts as BM25's query-term frequency does (on CISI's 76
    questions MAP 0.131 -> 0.167 on its own).
    """
    counts: dict[str, int] = {}
    for m in _PLAIN_WORD.finditer(_QUOTED.sub(" ", text)):
        term = stem(m.group(1))
        counts[term] = counts.get(term, 0) + 1
    return {term: n for term, n in counts.items() if n > 1}
