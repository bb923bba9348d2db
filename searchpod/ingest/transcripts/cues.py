"""What every transcript format shares: timestamps, timed blocks, speaker labels, merging."""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter, le

from searchpod.model import Cue

_TIME = re.compile(r"(?:(?:(\d+):)?(\d+):)?(\d+)(?:[.,](\d+))?", re.ASCII)
# Markup that caption files put inside cue text: HTML-like tags (<i>, <c.x>, </v>, <lang en>),
# WebVTT karaoke timestamps (<00:00:01.000>) and SSA override blocks ({\an8}). A bare "<"
# followed by a space is text, not a tag, so "a < b" survives.
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
_LABEL = re.compile(r"([^:\n]{1,40}):(?:\s+|$)")
_TURN_MARK = re.compile(r"\s*(?:>>|-)\s+")
_SENTENCE_END = frozenset(".?!…")
_CLOSERS = "\"'”’)]»」"
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[.'’-](?=[^\W\d_])|\.$)*")

# Words that start or make up "Label:" lines without naming a person: headings, notes and
# the discourse words a sentence may begin with ("So here's the thing: ...").
_NOT_SPEAKER = frozenset({
    "note", "notes", "warning", "warnings", "update", "chapter", "part", "step", "episode",
    "section", "source", "sources", "edit", "correction", "disclaimer", "transcript", "summary",
    "tip", "example", "important", "caution", "spoiler", "spoilers", "sponsor", "ad",
    "advertisement", "music", "intro", "outro", "title", "description", "timestamps",
    "timestamp", "time", "date", "link", "links", "url", "http", "https", "subject", "re", "ps",
    "nb", "bonus", "reminder", "hint", "answer", "question", "quote", "result", "results",
    "ingredients", "trigger", "content", "so", "and", "but", "or", "the", "this", "that",
    "these", "those", "here", "there", "well", "now", "then", "yes", "no", "okay", "ok", "look",
    "listen", "remember", "it", "we", "you", "he", "she", "they", "my", "our", "your", "his",
    "her", "their", "what", "why", "how", "when", "where", "who", "which", "if", "because",
    "also", "plus", "like", "just", "anyway", "basically", "first", "second", "third",
    "finally", "next", "last", "see", "thanks", "hello", "hi", "hey", "oh", "um", "uh",
    "break", "laughter", "laughs", "applause", "crosstalk", "inaudible", "silence", "pause",
})  # fmt: skip
# Lower-case name particles allowed after the first word: "Ludwig van Beethoven".
# What may follow a name after a comma: degrees and suffixes ("PhD", "M.D.", "Jr.", "III").
_CREDENTIAL = re.compile(
    r"(?:[A-Z][a-z]{0,2}[A-Z][A-Za-z]{0,3}|[A-Z]{2,5}|Jr|Sr|Esq|(?:[A-Z]\.){1,4}|[IVX]{2,4})\.?"
)
_PARTICLES = frozenset({
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "la", "le", "bin", "al", "el",
})  # fmt: skip


def parse_timestamp(s: str) -> float:
    """Seconds in ``HH:MM:SS.mmm``, ``MM:SS.mmm``, ``HH:MM:SS,mmm`` or ``75.5`` form.

    >>> parse_timestamp("01:02:03.500")
    3723.5

    Raises ValueError for anything else, including minutes or seconds past 59 once a
    larger unit is given.
    """
    m = _TIME.fullmatch(s.strip())
    if not m:
        raise ValueError(f"not a timestamp: {s!r}")
    hours, minutes, seconds, fraction = m.groups()
    if (minutes is not None and int(seconds) > 59) or (hours is not None and int(minutes) > 59):
        raise ValueError(f"not a timestamp: {s!r}")
    try:
        value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)
        total = value + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
    except OverflowError as exc:
        raise ValueError(f"timestamp out of range: {s!r}") from exc
    if not math.isfinite(total):
        raise ValueError(f"timestamp out of range: {s!r}")
    return total


# The usual timing line, "00:01:02.500 --> 00:01:04.000 [settings]", read in one match
# (a cue's worth of parse_timestamp calls was a fifth of parsing a transcript). Anything
# else, hours omitted included, takes the general path, which gives the same numbers.
USUAL_TIMING = re.compile(
    r"(\d{1,6}):([0-5]\d):([0-5]\d)[.,](\d{1,9})[ \t]+-->[ \t]+"
    r"(\d{1,6}):([0-5]\d):([0-5]\d)[.,](\d{1,9})(?=[ \t]|\Z)",
    re.ASCII,
)


def parse_timing(line: str) -> tuple[float, float]:
    """The start and end of a ``start --> end [settings]`` line; ValueError if malformed.

    A time written with a minus sign reads as negative, for ``check_times`` to name.
    """
    usual = USUAL_TIMING.match(line)
    if usual is not None:
        parts = usual.groups()
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, parts)  # one C-level pass
        # parse_timestamp's arithmetic, in its order (the same float to the last bit).
        return (
            h1 * 3600 + m1 * 60 + s1 + f1 / 10 ** len(parts[3]),
            h2 * 3600 + m2 * 60 + s2 + f2 / 10 ** len(parts[7]),
        )
    left, _, right = line.partition("-->")
    before, after = left.split(), right.split()
    if not before or not after:
        raise ValueError(f"not a timing line: {line!r}")
    # The last token before the arrow: tolerates an SRT index glued onto the timing line.
    return _signed_timestamp(before[-1]), _signed_timestamp(after[0])


def _signed_timestamp(token: str) -> float:
    if token.startswith("-") and len(token) > 1:
        return -parse_timestamp(token[1:])
    return parse_timestamp(token)


_START = attrgetter("start")
_END = attrgetter("end")
_SPEAKER = attrgetter("speaker")
_TEXT = attrgetter("text")

# No episode runs two days: a cue time past this is a typo or a unit mix-up, and a player
# (or a snippet's link) sent there finds nothing.
MAX_CUE_SECONDS = 48 * 3600


def check_times(cues: Iterable[Cue]) -> tuple[list[Cue], tuple[str, ...]]:
    """``cues`` with impossible times dealt with, and one warning per kind found.

    A cue with a negative time, or one past MAX_CUE_SECONDS, is dropped (its time cannot be
    trusted, and one wrong time would send every later snippet's link astray); a cue ending
    before it starts keeps its start and text, without the end.
    """
    cues = list(cues)
    # The usual transcript, checked by C-level passes over all its times at once: every
    # time known, none negative or late, no cue ending before it starts (NaN fails ``le``).
    starts = list(map(_START, cues))
    ends = list(map(_END, cues))
    if (
        None not in starts
        and None not in ends
        and all(map(le, starts, ends))
        and (not cues or (min(starts) >= 0 and max(ends) <= MAX_CUE_SECONDS))
    ):
        return cues, ()
    kept: list[Cue] = []
    found: dict[str, list[float]] = {"negative": [], "late": [], "backwards": []}
    for cue in cues:
        start, end = cue.start, cue.end
        # The usual cue, checked with plain comparisons (this runs for every cue indexed).
        if (start is None or 0 <= start <= MAX_CUE_SECONDS) and (
            end is None or (0 <= end <= MAX_CUE_SECONDS and (start is None or end >= start))
        ):
            kept.append(cue)
            continue
        times = [t for t in (start, end) if t is not None]
        if any(t < 0 for t in times):
            found["negative"].append(next(t for t in times if t < 0))
            continue
        if any(t > MAX_CUE_SECONDS for t in times):
            found["late"].append(next(t for t in times if t > MAX_CUE_SECONDS))
            continue
        if cue.start is not None and cue.end is not None and cue.end < cue.start:
            found["backwards"].append(cue.start)
            cue = dataclasses.replace(cue, end=None)
        kept.append(cue)
    warnings = []
    if found["negative"]:
        warnings.append(
            f"{_cues(found['negative'])} with a negative time dropped "
            f"(first: {_clock(found['negative'][0])})"
        )
    if found["late"]:
        warnings.append(
            f"{_cues(found['late'])} past {MAX_CUE_SECONDS // 3600} hours dropped "
            f"(first: {_clock(found['late'][0])})"
        )
    if found["backwards"]:
        they = "it starts" if len(found["backwards"]) == 1 else "they start"
        warnings.append(
            f"{_cues(found['backwards'])} ending before {they} kept without an end "
            f"(first at {_clock(found['backwards'][0])})"
        )
    return kept, tuple(warnings)


def _cues(found: list[float]) -> str:
    return "1 cue" if len(found) == 1 else f"{len(found)} cues"


def _clock(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    return f"{sign}{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def timed_blocks(text: str) -> Iterator[tuple[float, float, list[str]]]:
    """Each cue of a WebVTT/SRT-like text as ``(start, end, text lines)``, in file order.

    A cue starts at a ``-->`` line and runs to the next blank line or timing line.
    Blocks without a timing line (headers, NOTE/STYLE/REGION blocks) are ignored, as are
    cue indexes and cues whose timing line cannot be read.
    """
    lines = text.splitlines()
    timing: tuple[float, float] | None = None
    body: list[str] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if timing is not None:
                yield timing[0], timing[1], body
            timing, body = None, []
            continue
        if "-->" in line:
            try:
                parsed = parse_timing(line)
            except ValueError:
                parsed = None
            # Inside a cue an unreadable "-->" line is text; elsewhere it starts a cue that
            # is dropped, with its text.
            if parsed is not None or timing is None:
                if timing is not None:
                    yield timing[0], timing[1], body
                timing, body = parsed, []
                continue
        if timing is None:
            continue
        # A number right before a timing line is the next cue's index (blank line missing).
        if line.isdigit() and i + 1 < len(lines) and "-->" in lines[i + 1]:
            continue
        body.append(line)
    if timing is not None:
        yield timing[0], timing[1], body


def clean_text(text: str) -> str:
    """Cue text without markup, entities decoded and whitespace collapsed to single spaces."""
    if "<" in text or "{" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return collapse_spaces(text)


_SPACES = re.compile(r"\s+")
# re.sub keeps every piece between matches until it joins them: a chunk at a time bounds
# that to a few MB, where ``text.split()`` made a string per word (50 MB of text: 2 GB).
_COLLAPSE_CHUNK = 2**20
# Up to this many characters a string per word costs nothing worth bounding.
_SPLIT_MAX = 4096


def collapse_spaces(text: str) -> str:
    """``" ".join(text.split())``, in memory proportional to the text, not to its words."""
    if len(text) <= _SPLIT_MAX:
        # A cue's text: splitting is the cheapest, and treats the same characters as
        # whitespace as ``\s`` and ``strip`` do (Python's one definition of it).
        return " ".join(text.split())
    if len(text) <= _COLLAPSE_CHUNK:
        return _SPACES.sub(" ", text).strip()
    parts: list[str] = []
    for at in range(0, len(text), _COLLAPSE_CHUNK):
        part = _SPACES.sub(" ", text[at : at + _COLLAPSE_CHUNK])
        if parts and parts[-1].endswith(" ") and part.startswith(" "):
            part = part[1:]  # a run of spaces across the cut
        if part:
            parts.append(part)
    # Stripped before joining: stripping the joined text would copy it once more.
    parts[0] = parts[0].lstrip()
    parts[-1] = parts[-1].rstrip()
    return "".join(parts)


def looks_like_speaker(label: str) -> bool:
    """Whether ``label`` (the part before a colon) reads as a person's name or role.

    Accepts "Dan Harmon", "JEFF", "Dr. Ruth", "Ludwig van Beethoven", "Speaker 1",
    "SPEAKER_01"; rejects headings and sentence openings such as "Note", "Step 2",
    "Chapter One", "So here's the thing".
    """
    label = without_credentials(label.strip())
    if not label or len(label) > 40:
        return False
    words = label.split()
    if len(words) > 4:
        return False
    if len(words) >= 2 and len(set(words)) == 1:
        return False  # "Lucas Lucas Lucas Lucas": a caption's stutter, not a name
    if re.fullmatch(r"(?:Speaker|SPEAKER|speaker)[ _]?\d{1,3}", label, re.ASCII):
        return True
    if words[0].lower().strip(".") in _NOT_SPEAKER:
        return False
    for n, word in enumerate(words):
        if not _WORD.fullmatch(word) or word.lower().strip(".") in _NOT_SPEAKER:
            return False
        if not word[0].isupper() and (n == 0 or word not in _PARTICLES):
            return False
    return True


def without_credentials(label: str) -> str:
    """``"Mireille Reece, PsyD"`` -> ``"Mireille Reece"``: a degree or suffix after a comma
    is not part of the name (the same person is labelled with and without it)."""
    name, comma, rest = label.partition(",")
    if comma and rest.strip() and all(_CREDENTIAL.fullmatch(w) for w in rest.split()):
        return name.rstrip()
    return label


def split_speaker(text: str) -> tuple[str | None, str]:
    """A leading ``Name:`` label and the text after it, or ``(None, text)`` if there is none."""
    if ":" not in text:
        return None, text  # most cues: no label can match (checked before two regexes)
    # Captioners mark a change of speaker with ">>" (or "- "), often before the name.
    marker = _TURN_MARK.match(text)
    m = _LABEL.match(text, marker.end() if marker else 0)
    if m and looks_like_speaker(m.group(1)):
        return without_credentials(m.group(1).strip()), text[m.end() :]
    return None, text


def label_speakers(
    cues: Iterable[Cue], *, labels: bool = True, allow: Callable[[str], bool] | None = None
) -> list[Cue]:
    """Speakers from ``Name:`` labels opening cue texts, where the file really uses them.

    The file's own speaker marking (``<v>`` spans, speaker fields) wins: when any cue has a
    speaker, texts are left as they are. A label carries forward to unlabelled cues only
    where labels mark turns (two or more names, the speaker changing at least twice, and
    at least one cue in twenty labelled); a name labelling several cues, but too rarely to
    mark turns, names just the cues it opens; a label seen once ("Joe:", "COBOL: ...") is
    text, not a speaker. ``labels=False`` turns detection off; ``allow`` (when given) says
    which names may be speakers at all (a format that marks its turns knows them).
    """
    cues = list(cues)
    if not labels or any(map(_SPEAKER, cues)):
        return cues
    texts = list(map(_TEXT, cues))
    if ":" not in "".join(texts):  # no label anywhere (most transcripts): one C-level look
        return cues
    found = [split_speaker(text) for text in texts]
    if allow is not None:
        found = [
            (n, t) if n is None or allow(n) else (None, c.text)
            for (n, t), c in zip(found, cues, strict=True)
        ]
    names = [name for name, _ in found if name is not None]
    if not names:
        return cues
    counts = Counter(names)
    changes = sum(a != b for a, b in itertools.pairwise(names))
    share = len(names) / len(cues)
    carry = len(counts) >= 2 and ((changes >= 2 and share >= 0.05) or share >= 0.5)
    if not carry and max(counts.values()) < 2 and share < 0.5:
        return cues
    out: list[Cue] = []
    speaker: str | None = None
    for cue, (name, rest) in zip(cues, found, strict=True):
        if name is not None:
            speaker = name
        elif not carry:
            speaker = None
        text = rest.strip() if name is not None else cue.text
        if text:
            out.append(dataclasses.replace(cue, text=text, speaker=speaker))
    # Nothing but labels ("Ana:"): the labels are then the only text there is.
    return out or cues


def merge_cues(
    cues: Iterable[Cue], *, max_chars: int = 320, max_gap: float = 2.0
) -> tuple[Cue, ...]:
    """Join cues that split a sentence, so one-word or half-sentence segments read whole.

    A cue is appended to the one before when both have the same speaker, the earlier one
    does not end a sentence, the later one starts at most ``max_gap`` seconds after the
    earlier ends (and not before it starts: times going backwards are never merged), and
    the joined text stays within ``max_chars``. The merged cue keeps the first start and
    the latest end for display, and each source cue's own times in ``parts``. Punctuation
    given as a segment of its own joins the word before it without a space. Cues are
    never reordered.
    """
    merged: list[Cue] = []
    group: list[Cue] = []  # consecutive cues to be joined into one
    length = 0  # of the group's joined text
    end: float | None = None  # the group's latest end
    first: float | None = None  # the group's first start
    speaker: str | None = None  # the group's speaker
    open_ = False  # whether the group's last cue leaves its sentence open
    # One pass, with the tests inlined: this runs for every cue of every transcript.
    for cue in cues:
        text, start = cue.text, cue.start
        if (
            open_
            and cue.speaker == speaker
            and length + 1 + len(text) <= max_chars
            and (
                start is None and first is None
                if start is None or first is None
                else start >= first and start - (end if end is not None else first) <= max_gap
            )
        ):
            length += 1 + len(text)
            group.append(cue)
        else:
            if group:
                merged.append(group[0] if len(group) == 1 else _joined(group, end))
            group, length, end, first, speaker = [cue], len(text), None, start, cue.speaker
        # Open unless it ends with ".", "?", "!" or "…", perhaps inside quotes or brackets.
        tail = text.rstrip().rstrip(_CLOSERS)
        open_ = not tail or tail[-1] not in _SENTENCE_END
        if cue.end is not None and (end is None or cue.end > end):
            end = cue.end
    if group:
        merged.append(_joined(group, end))
    return tuple(merged)


def _joined(group: list[Cue], end: float | None) -> Cue:
    if len(group) == 1:
        return group[0]
    text = ""
    parts: list[tuple[int, float | None, float | None]] = []
    for cue in group:
        if text and not _attaches(cue.text):
            text += " "
        if cue.parts:
            # A cue may itself be a joined one: keep its own parts.
            at = len(text)
            parts.extend((at + off, start, stop) for off, start, stop in cue.parts)
        else:
            parts.append((len(text), cue.start, cue.end))
        text += cue.text
    first = group[0]
    return Cue(text, first.start, end, first.speaker, tuple(parts))


# Word-level transcripts give punctuation and clitics segments of their own ("Friday", ",").
_ATTACHED = re.compile(r"[,.;:!?…%)\]}»”’]|'(?:s|t|re|ve|ll|d|m)\b|n't\b", re.I)


def _attaches(text: str) -> bool:
    """Whether ``text`` continues the word before it without a space ("," or "'s")."""
    return bool(_ATTACHED.match(text))
