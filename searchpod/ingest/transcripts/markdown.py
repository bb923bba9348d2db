"""Markdown transcripts (``.md``): archives of whole shows ship this way.

``**Name:** text`` turns give speakers (``**Name, PhD:**`` and ``**Dr. Name:**`` too),
``[hh:mm:ss]`` / ``\\[mm:ss\\]`` marks give times (approximate: a mark times the
paragraphs after it), front matter's ``title:`` or the first heading before any text gives
the title; later headings are sections. Markdown syntax is removed before anything is
indexed, so it never reaches a snippet: every backslash escape gives its character, links
keep their text (brackets inside it too).

Show notes are not turns: a label opening a list item, a heading or a link ("- Show:
[Mastodon](…)") never names a speaker, and where the file marks its turns in bold, only
those bold names do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from searchpod.ingest.transcripts.cues import label_speakers, split_speaker
from searchpod.ingest.transcripts.plaintext import parse_plain_transcript
from searchpod.model import Transcript

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
# [00:12:35](https://youtu.be/...?t=755): a time that is a link stays a bracketed time.
_TIME_LINK = re.compile(rf"\\?\[\s*\\?\[?({_TIME})\\?\]?\s*\\?\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
# Link text may hold brackets ("[PEP 1 [draft]](u)"), a URL parentheses ("(…/a_(b))").
_LINK_TEXT = r"((?:[^\[\]]|\[[^\[\]]*\])+)"
_URL = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
_IMAGE = re.compile(rf"!\[([^\]]*)\]{_URL}")
_LINK = re.compile(rf"\[{_LINK_TEXT}\]{_URL}|\[{_LINK_TEXT}\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_REF_DEF = re.compile(r"[ \t]{0,3}\[[^\]]+\]:\s+\S+.*$")
_RULE = re.compile(r"[ \t]*(?:[-*_][ \t]*){3,}$")
_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_FENCE = re.compile(r"[ \t]*(?:```|~~~)")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
# Emphasis: **x**, __x__, *x*, _x_ (underscores only at word edges: snake_case stays).
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`+([^`]*)`+")
_STRIKE = re.compile(r"~~(.+?)~~")
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~<\"'$%&,/:;=?@^"
_ESCAPE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + r"])")
# An escaped character stands in the line as a private-use one until the syntax is gone,
# so "f\\*\\*\\* up" is never read as emphasis.
_HIDE = {c: chr(0xF0000 + i) for i, c in enumerate(_ESCAPABLE)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
# A turn marked in bold: "**Ana:** …" or "**Ana**: …".
_BOLD_LABEL = re.compile(r"\s*(?:\*\*|__)([^*_\n]{1,60}?)(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


@dataclass
class TurnMarks:
    """Names a Markdown file gives in bold labels, and labels it gives in show notes."""

    bold: dict[str, int] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)

    def marks_turns(self) -> bool:
        """Whether bold labels mark the turns: two names, or one name again and again."""
        return len(self.bold) >= 2 or any(n >= 3 for n in self.bold.values())

    def may_speak(self, name: str) -> bool:
        if self.marks_turns():
            return name in self.bold
        return name not in self.notes


def parse_markdown_transcript(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a Markdown transcript; see the module docstring for what is read."""
    marks = TurnMarks()
    plain, title = markdown_to_text(text, marks)
    transcript = parse_plain_transcript(plain, source, title=title, labels=False)
    cues = label_speakers(transcript.cues, labels=labels, allow=marks.may_speak)
    return Transcript(tuple(cues), title=title)


def markdown_to_text(text: str, marks: TurnMarks | None = None) -> tuple[str, str | None]:
    """Markdown as plain lines (times kept as ``[hh:mm:ss]``), and its title if it has one.
    ``marks`` (when given) collects the bold names and show-note labels seen."""
    marks = marks if marks is not None else TurnMarks()
    title: str | None = None
    m = _FRONT_MATTER.match(text)
    if m:
        text = text[m.end() :]
        for line in m.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "title" and value.strip():
                title = value.strip().strip("\"'")
    out: list[str] = []
    in_fence = False
    seen_text = False  # a heading after text is a section, not the title
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence:
            out.append(line)
            seen_text = seen_text or bool(line.strip())
            continue
        heading = _HEADING.match(line.strip())
        if heading:
            words = inline_text(heading.group(1))
            if title is None and not seen_text and words:
                title = words
                out.append("")
                continue
            _note_label(marks, words)
            out.extend(["", words, ""])  # a heading is a paragraph of its own
            continue
        if _RULE.match(line) or _REF_DEF.match(line) or _TABLE_RULE.match(line):
            out.append("")
            continue
        line = _QUOTE.sub("", line, count=1) if line.lstrip().startswith(">") else line
        item = _LIST.match(line)
        line = line[item.end() :] if item else line
        if line.strip().startswith("|") and line.strip().endswith("|"):
            line = "  ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        plain = inline_text(line)
        bold = None if item else _BOLD_LABEL.match(line)
        if bold:
            name = split_speaker(inline_text(bold.group(1)).strip() + ": x")[0]
            if name:
                marks.bold[name] = marks.bold.get(name, 0) + 1
        elif item or line.lstrip().startswith("["):
            # A list item is a note even in bold ("- **Joke:** …"): turns are paragraphs.
            _note_label(marks, plain)  # "- Show: …", "[Astral joins X](…): …"
        seen_text = seen_text or bool(plain.strip())
        if item:
            out.append("")  # each list item a paragraph of its own, as it is shown
        out.append(plain)
    return "\n".join(out), title


def _note_label(marks: TurnMarks, text: str) -> None:
    name = split_speaker(text)[0]
    if name:
        marks.notes.add(name)


def inline_text(line: str) -> str:
    """One line of Markdown without its inline syntax: ``**Ana:** see [docs](u)`` ->
    ``Ana: see docs``."""
    line = _TIME_LINK.sub(r"[\1]", line)
    if "\\" in line:
        line = _ESCAPE.sub(lambda m: _HIDE[m.group(1)], line)
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(lambda m: m.group(1) or m.group(2), line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    for _ in range(2):  # nested emphasis: ***x***
        line = _STRONG.sub(r"\2", line)
        line = _EM_STAR.sub(r"\1", line)
        line = _EM_UNDERSCORE.sub(r"\1", line)
    line = _STRIKE.sub(r"\1", line)
    line = _TAG.sub("", line)
    # "**Ana**: text" and "**Ana:** text" both end up "Ana: text"; "\[03:55\]" "[03:55]".
    return line.translate(_SHOW).rstrip()
