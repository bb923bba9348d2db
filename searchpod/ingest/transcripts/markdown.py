"""Markdown transcripts (``.md``): archives of whole shows ship this way.

``**Name:** text`` turns give speakers, ``[hh:mm:ss]`` / ``\\[mm:ss\\]`` marks give times
(approximate: a mark times the paragraphs after it), the first ``#`` heading (or a
front-matter ``title:``) gives the title. Markdown syntax is removed before anything is
indexed, so it never reaches a snippet; links keep their text.
"""

from __future__ import annotations

import re

from searchpod.ingest.transcripts.plaintext import parse_plain_transcript
from searchpod.model import Transcript

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
# [00:12:35](https://youtu.be/...?t=755): a time that is a link stays a bracketed time.
_TIME_LINK = re.compile(rf"\\?\[\s*\\?\[?({_TIME})\\?\]?\s*\\?\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
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
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def parse_markdown_transcript(text: str, source: str, *, labels: bool = True) -> Transcript:
    """The cues of a Markdown transcript; see the module docstring for what is read."""
    plain, title = markdown_to_text(text)
    return parse_plain_transcript(plain, source, title=title, labels=labels)


def markdown_to_text(text: str) -> tuple[str, str | None]:
    """Markdown as plain lines (times kept as ``[hh:mm:ss]``), and its title if it has one."""
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
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence:
            out.append(line)
            continue
        heading = _HEADING.match(line.strip())
        if heading:
            words = inline_text(heading.group(1))
            if title is None and line.lstrip().startswith("# "):
                title = words
                out.append("")
                continue
            out.extend(["", words, ""])  # a heading is a paragraph of its own
            continue
        if _RULE.match(line) or _REF_DEF.match(line) or _TABLE_RULE.match(line):
            out.append("")
            continue
        line = _QUOTE.sub("", line, count=1) if line.lstrip().startswith(">") else line
        line = _LIST.sub("", line, count=1)
        if line.strip().startswith("|") and line.strip().endswith("|"):
            line = "  ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        out.append(inline_text(line))
    return "\n".join(out), title


def inline_text(line: str) -> str:
    """One line of Markdown without its inline syntax: ``**Ana:** see [docs](u)`` ->
    ``Ana: see docs``."""
    line = _TIME_LINK.sub(r"[\1]", line)
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
    return _ESCAPE.sub(r"\1", line).rstrip()
