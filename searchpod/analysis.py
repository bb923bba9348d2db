"""The one text analyser: used identically when indexing and when parsing queries.

tokenise -> lowercase -> fold accents -> drop stop words -> Snowball-stem (NLTK, data-free).

All of it runs in a single pass, because per-token work dominates indexing time: Whoosh's
usual chain of generator filters costs several times more. Stems are memoised per surface
word; an index stores the table it was built with (see ``add_stem_source``) so a search
process only imports NLTK when a query holds a word the index has never seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any, Protocol

from whoosh.analysis import Token, Tokenizer

# Bump when analysis changes what terms a text produces: indexes built otherwise must rebuild.
ANALYSER_VERSION = "snowball-en-1"

# Words joined by an apostrophe stay one token ("Korea's", "don't"); hyphens split.
TOKEN_PATTERN = re.compile(r"\w+(?:['’]\w+)*")

STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have if in into is it its of on or such that "
    "the their then there these they this to was were will with".split()
)

_stems: dict[str, str] = {}


class StemSource(Protocol):
    """A saved word -> stem table (an index's ``stems/``)."""

    def lookup(self, word: str) -> str | None: ...

    def all(self) -> dict[str, str]: ...


# Saved stem tables of open indexes, asked before NLTK is (see ``add_stem_source``).
_sources: dict[str, StemSource] = {}
# Stems computed since the last take_new_stems(): worker processes send them to the parent.
_new_stems: list[tuple[str, str]] = []
# Stems computed (here or by workers) and not yet saved beside an index.
_unsaved: dict[str, str] = {}
_stemmer: Any = None


def _snowball_stem(word: str) -> str:
    global _stemmer
    if _stemmer is None:
        # Imported on first need only: importing nltk costs ~0.2-0.4 s of start-up.
        from nltk.stem.snowball import SnowballStemmer

        _stemmer = SnowballStemmer("english")
    return str(_stemmer.stem(word))


def normalise(word: str) -> str:
    """Lowercase, unify apostrophes and strip accents, so "Café’s" and "cafe's" agree."""
    word = word.lower().replace("’", "'")
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
    return word


def stem(word: str) -> str:
    """The index term for one surface word (already tokenised, any case)."""
    try:
        return _stems[word]
    except KeyError:
        pass
    for source in _sources.values():
        known = source.lookup(word)
        if known is not None:
            _stems[word] = known
            return known
    norm = normalise(word)
    result = norm if len(norm) < 3 or norm.isdigit() else _snowball_stem(norm)
    _stems[word] = result
    _new_stems.append((word, result))
    _unsaved[word] = result
    return result


def analyse(text: str) -> list[str]:
    """The index terms of a text, in order, stop words removed."""
    return [stem(m.group()) for m in TOKEN_PATTERN.finditer(text) if not is_stop(m.group())]


def is_stop(word: str) -> bool:
    """Stop words are never indexed, so they are never stemmed either."""
    return len(word) <= 5 and word.lower() in STOP_WORDS


# Surface word -> index term, or None for a stop word: one dict lookup per token on the
# indexing hot path (stem() alone would also need the stop-word check every time).
_index_terms: dict[str, str | None] = {}
_UNSEEN = object()


def term_postings(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """Each index term of ``text`` with its (position, startchar, endchar) occurrences.

    The same terms and positions as ``PodcastAnalyzer``, built in one pass: this is the
    indexing hot path for transcripts.
    """
    postings: dict[str, list[tuple[int, int, int]]] = {}
    known = _index_terms.get
    pos = 0
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group()
        term = known(word, _UNSEEN)
        if term is _UNSEEN:
            term = None if is_stop(word) else stem(word)
            _index_terms[word] = term
        if term is None:
            continue
        start, end = match.span()
        occurrences = postings.get(term)
        if occurrences is None:
            postings[term] = [(pos, start, end)]
        else:
            occurrences.append((pos, start, end))
        pos += 1
    return postings


def stem_table() -> dict[str, str]:
    """Every stem this process has computed: saved beside an index to spare NLTK at query time."""
    return dict(_stems)


def take_unsaved_stems() -> dict[str, str]:
    """The stems no index has saved yet (and forget them).

    An incremental run only needs to add these: every other word it indexed was looked up
    in the very table it writes to. (In a process writing several indexes, a word learnt
    for one is not saved in the other; that costs the other an NLTK call, not a result.)
    """
    taken = dict(_unsaved)
    _unsaved.clear()
    return taken


def take_new_stems() -> list[tuple[str, str]]:
    """The stems computed since the last call (and forget them)."""
    taken = list(_new_stems)
    _new_stems.clear()
    return taken


def remember_stems(pairs: list[tuple[str, str]]) -> None:
    """Add stems another process computed, so they are saved with the index."""
    for word, result in pairs:
        if word not in _stems:
            _stems[word] = result
            _unsaved[word] = result


def add_stem_source(key: str, source: StemSource) -> None:
    """Consult ``source`` (a saved table) for words not yet memoised, before NLTK.

    A source already added under ``key`` is kept, with the shards it has read: stems never
    change, so a table that has since grown on disk only lacks words, which are then
    stemmed again (the same result) rather than read.
    """
    _sources.setdefault(key, source)


def known_words() -> dict[str, str]:
    """Every word -> stem this process knows of, saved tables included (slow: all shards)."""
    merged: dict[str, str] = {}
    for source in _sources.values():
        merged.update(source.all())
    merged.update(_stems)
    return merged


def saved_sources() -> tuple[str, ...]:
    """Keys of the saved tables consulted, to tell when ``saved_words`` may have changed."""
    return tuple(sorted(_sources))


class PodcastAnalyzer(Tokenizer):
    """A Whoosh analyser doing tokenise/lowercase/fold/stop/stem in one loop."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Whoosh asks for this with fuzzy/wildcard text: normalise but don't stem.
            t.original = value
            t.text = normalise(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        stems = _stems
        for match in TOKEN_PATTERN.finditer(value):
            word = match.group()
            if removestops and len(word) <= 5 and word.lower() in STOP_WORDS:
                continue
            t.text = stems[word] if word in stems else stem(word)
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t
