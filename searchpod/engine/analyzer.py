"""The Whoosh face of searchpod's analyser (``searchpod.text.analysis``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

from searchpod.text.analysis import STOP_WORDS, TOKEN_PATTERN, current, normalise


class PodcastAnalyzer(Tokenizer):
    """A Whoosh analyser doing tokenise/lowercase/fold/stop/stem in one loop."""

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
        for match in TOKEN_PATTERN.finditer(value):
            word = match.group()
            if removestops and len(word) <= 5 and word.lower() in STOP_WORDS:
                continue
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
