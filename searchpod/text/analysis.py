"""The one text analyser: used identically when indexing and when parsing queries.

tokenise -> lowercase -> fold accents -> drop stop words -> Snowball-stem (NLTK's English
stemmer, stem for stem: ``searchpod.text.stemmer``).

All of it runs in a single pass, because per-token work dominates indexing time: Whoosh's
usual chain of generator filters costs several times more. Stems are memoised per surface
word by an ``Analyser`` (one per index, one per indexing run); an index stores the table it
was built with, so a search process only stems a word the index has never seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import accumulate
from typing import Any, Protocol

from searchpod.text.stemmer import stem as snowball_stem

# Bump when analysis changes what terms a text produces: indexes built otherwise must rebuild.
ANALYSER_VERSION = "snowball-en-2"

# Words joined by an apostrophe stay one token ("Korea's", "don't"); hyphens split.
TOKEN_PATTERN = re.compile(r"\w+(?:['’]\w+)*")
# The same with a capturing group: its split() gives separators and tokens alternately, so
# every token's offsets follow from the parts' lengths without a Python loop per token.
_SPLITTER = re.compile(f"({TOKEN_PATTERN.pattern})")

STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have if in into is it its of on or such that "
    "the their then there these they this to was were will with".split()
)


# Stop terms start with a character no token holds, so no word's stem can be one.
STOP_TERM_PREFIX = "="


def stop_term(word: str) -> str:
    """The index term of a stop word (any case), as quoted phrases match it."""
    return STOP_TERM_PREFIX + word.lower()


def is_stop_term(term: str | bytes) -> bool:
    """Whether an index term is a stop word's (matched only inside quotes)."""
    first = term[:1]
    return first == STOP_TERM_PREFIX or first == b"="


class StemSource(Protocol):
    """A saved word -> stem table (an index's ``stems/``)."""

    def lookup(self, word: str) -> str | None: ...

    def all(self) -> dict[str, str]: ...


# An analyser's memo is dropped when it grows past this: a long-running server that sees
# ever new query words must not grow without bound (the saved table still answers).
MAX_MEMO = 200_000
_UNSEEN: Any = object()


def _snowball_stem(word: str) -> str:
    # Our copy of NLTK's English Snowball stemmer (tests hold it to NLTK's stems): importing
    # nltk would cost a fresh process 0.2-0.4 s, and the copy is faster per word.
    return snowball_stem(word)


def normalise(word: str) -> str:
    """Lowercase, unify apostrophes and strip accents, so "Café’s" and "cafe's" agree."""
    word = word.lower().replace("’", "'")
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
    return word


def is_stop(word: str) -> bool:
    """Stop words are never stemmed: they are indexed as stop terms."""
    return len(word) <= 5 and word.lower() in STOP_WORDS


class _IndexTerms(dict[str, str]):
    """Surface word -> index term (a stop term for a stop word), filled in on a miss, so a
    whole text's terms are one ``map`` of ``__getitem__`` (no Python code per known word)."""

    __slots__ = ("_analyser",)

    def __init__(self, analyser: Analyser) -> None:
        super().__init__()
        self._analyser = analyser

    def __missing__(self, word: str) -> str:
        term = stop_term(word) if is_stop(word) else self._analyser.stem(word)
        self[word] = term
        return term


class Analyser:
    """The stem memo of one index (for its searches) or of one indexing run.

    Each ``Index`` owns one for its searches and each indexing run makes its own, so words
    seen in queries never become part of what an indexing run saves beside the index.
    ``source`` is the saved table consulted before the stemmer.
    """

    def __init__(self, source: StemSource | None = None) -> None:
        self.source = source
        self._stems: dict[str, str] = {}
        # Surface word -> index term (a stop term for a stop word): one dict lookup per
        # token on the indexing hot path (stem() alone would also need the stop-word check).
        self._index_terms = _IndexTerms(self)
        # Stems computed since the last take_new_stems(): workers send them to the parent.
        self._new: list[tuple[str, str]] = []
        # Stems computed (here or by workers) that the saved table lacks.
        self._unsaved: dict[str, str] = {}

    def stem(self, word: str) -> str:
        """The index term for one surface word (already tokenised, any case)."""
        try:
            return self._stems[word]
        except KeyError:
            pass
        if len(self._stems) > MAX_MEMO:
            self._stems.clear()
            self._index_terms.clear()
        if self.source is not None:
            known = self.source.lookup(word)
            if known is not None:
                self._stems[word] = known
                return known
        norm = normalise(word)
        result = norm if len(norm) < 3 or norm.isdigit() else _snowball_stem(norm)
        self._stems[word] = result
        self._new.append((word, result))
        self._unsaved[word] = result
        return result

    def tokens(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """The index term, start and length of each token of ``text``, in order.

        What ``term_postings`` gives, as three parallel lists made by C-level passes
        (regex split, ``accumulate``, ``map``): the indexing hot path for transcripts,
        which ``engine.fields.encode_postings`` groups by term. Offsets are of ``text``
        itself (lowercasing may change a word's length; it happens only to the term).
        """
        parts = _SPLITTER.split(text)
        bounds = list(accumulate(map(len, parts)))
        words = parts[1::2]
        # bounds[2i] is where token i starts (the end of the separator before it).
        return (
            self.index_terms(words),
            bounds[0:-1:2],
            list(map(len, words)),
        )

    def index_terms(self, words: Iterable[str]) -> list[str]:
        """The index term of each of ``words`` (surface words, as ``word_spans`` gives
        them), in one ``map``."""
        return list(map(self._index_terms.__getitem__, words))

    def term_postings(self, text: str) -> dict[str, list[tuple[int, int, int]]]:
        """Each index term of ``text`` with its (position, startchar, endchar) occurrences.

        The same terms and positions as ``PodcastAnalyzer``, one token at a time: the
        reference that ``tokens`` (the fast path) is tested against. Stop terms are among
        them (see the module).
        """
        postings: dict[str, list[tuple[int, int, int]]] = {}
        index_terms = self._index_terms
        known = index_terms.get
        for pos, match in enumerate(TOKEN_PATTERN.finditer(text)):
            word = match.group()
            term = known(word, _UNSEEN)
            if term is _UNSEEN:
                term = stop_term(word) if is_stop(word) else self.stem(word)
                index_terms[word] = term
            start, end = match.span()
            occurrences = postings.get(term)
            if occurrences is None:
                postings[term] = [(pos, start, end)]
            else:
                occurrences.append((pos, start, end))
        return postings

    def stem_table(self) -> dict[str, str]:
        """Every stem this analyser knows of (saved beside a new index)."""
        return dict(self._stems)

    def take_unsaved_stems(self) -> dict[str, str]:
        """The stems the saved table lacks (and forget them): what an indexing run adds."""
        taken = dict(self._unsaved)
        self._unsaved.clear()
        return taken

    def take_new_stems(self) -> list[tuple[str, str]]:
        """The stems computed since the last call (and forget them)."""
        taken = list(self._new)
        self._new.clear()
        return taken

    def remember_stems(self, pairs: list[tuple[str, str]]) -> None:
        """Add stems another process computed, so they are saved with the index."""
        for word, result in pairs:
            if word not in self._stems:
                self._stems[word] = result
                self._unsaved[word] = result

    def known_words(self) -> dict[str, str]:
        """Every word -> stem known, the saved table included (slow: reads all shards)."""
        merged = self.source.all() if self.source is not None else {}
        merged.update(dict(self._stems))  # a copy first: another thread may be adding
        return merged


# The analyser of the code running now: an Index sets its own around each search, and an
# indexing run its own (a context variable, so each thread sees only what it set).
_fallback = Analyser()
_current: ContextVar[Analyser] = ContextVar("searchpod_analyser", default=_fallback)


@contextmanager
def using(analyser: Analyser) -> Iterator[Analyser]:
    """Make ``analyser`` the one ``stem``/``analyse``/``PodcastAnalyzer`` use in this block."""
    token = _current.set(analyser)
    try:
        yield analyser
    finally:
        _current.reset(token)


def current() -> Analyser:
    return _current.get()


def stem(word: str) -> str:
    """The index term for one surface word, by the current analyser."""
    return _current.get().stem(word)


def analyse(text: str) -> list[str]:
    """The index terms of a text, in order, stop words removed."""
    stem_word = _current.get().stem
    return [stem_word(m.group()) for m in TOKEN_PATTERN.finditer(text) if not is_stop(m.group())]


def tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    """``Analyser.tokens`` of the current analyser."""
    return _current.get().tokens(text)


# The characters ``\w`` matches among the first 128 (the rest are looked up per text).
_ASCII_WORD = [chr(c).isalnum() or c == 95 for c in range(128)]
_APOSTROPHES = (ord("'"), ord("’"))


def word_spans(text: str) -> tuple[list[str], Any, Any]:
    """The tokens of ``text`` (the words of ``tokens``), with where each starts and how long
    it is, in character offsets (int64 numpy arrays).

    Made by array passes rather than the regex: a character is part of a token when ``\\w``
    matches it (``str.isalnum()`` or "_", as ``re`` decides it) or when it is an apostrophe
    with such a character on each side, and a token is a maximal run of those, which is
    what ``TOKEN_PATTERN`` finds scanning left to right. The words themselves come from one
    C-level ``split`` of the text with every other character made a space. A build's
    bodies are most of what it reads: this costs a quarter of the regex split.
    """
    import numpy as np  # indexing only: searches never come here

    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), np.uint8)
        word = np.array(_ASCII_WORD, bool)[codes]
        apostrophe = codes == _APOSTROPHES[0]
    else:
        # One number per character (a lone surrogate too): offsets are the string's own.
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
        word = np.array(_ASCII_WORD, bool)[np.minimum(codes, 127)]  # 127 is no word's
        beyond = np.flatnonzero(codes > 127)
        seen, which = np.unique(codes[beyond], return_inverse=True)
        is_word = np.fromiter((chr(c).isalnum() for c in seen.tolist()), bool, len(seen))
        word[beyond] = is_word[which]
        apostrophe = (codes == _APOSTROPHES[0]) | (codes == _APOSTROPHES[1])
    if len(codes) > 2:
        word[1:-1] |= apostrophe[1:-1] & word[:-2] & word[2:]
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    lengths = np.flatnonzero(edges == -1) - starts
    spaced = np.where(word, codes, codes.dtype.type(32)).tobytes()
    words = spaced.decode("ascii" if codes.dtype == np.uint8 else "utf-32-le", "surrogatepass")
    return words.split(), starts, lengths


def index_terms(words: Iterable[str]) -> list[str]:
    """``Analyser.index_terms`` of the current analyser."""
    return _current.get().index_terms(words)


def term_postings(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """``Analyser.term_postings`` of the current analyser."""
    return _current.get().term_postings(text)
