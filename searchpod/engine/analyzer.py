"""The Whoosh face of searchpod's analyser (``searchpod.text.analysis``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from searchpod.text.analysis import STOP_WORDS, TOKEN_PATTERN, current, normalise, stop_term

# The mode a quoted phrase is analysed in: its stop words are kept, as stop terms.
PHRASE_MODE = "phrase"


class PodcastAnalyzer(Tokenizer):
    """A Whoosh analyser doing tokenise/lowercase/fold/stop/stem in one loop.

    Every word counts a position. Indexing (and a quoted phrase, ``mode="phrase"``) turns a
    stop word into its stop term; a query word that is a stop word is dropped.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
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
        analyser = current()
        stems = analyser._stems
        keep_stops = mode in ("index", PHRASE_MODE) or not removestops
        for match in TOKEN_PATTERN.finditer(value):
            word = match.group()
            if len(word) <= 5 and word.lower() in STOP_WORDS:
                if not keep_stops:
                    pos += 1
                    continue
                t.text = stop_term(word)
            else:
                t.text = stems[word] if word in stems else analyser.stem(word)
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


# Every index's schema pickles it by this path (searchpod/analysis.py resolves it).
PodcastAnalyzer.__module__ = "searchpod.analysis"
