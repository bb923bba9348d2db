"""Bytes to text: detect the encoding instead of assuming it, and refuse what isn't text."""

from __future__ import annotations

import codecs
import re

from searchpod.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LABEL_MEANS = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# Control characters that never appear in text files (tab, LF, FF, CR excluded).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first 4 KB, if any and known."""
    m = _META_CHARSET.search(data[:4096]) or re.search(
        rb"""<\?xml[^>]+encoding=["']([A-Za-z0-9_.:-]+)""", data[:256]
    )
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace")
    try:
        encoding = codecs.lookup(name).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): a declaration readable as ASCII cannot be UTF-16/32,
    # and pages labelled Latin-1 or ASCII really use Windows-1252 for bytes 0x80-0x9F.
    if encoding.startswith(("utf-16", "utf-32")):
        return None
    return _LABEL_MEANS.get(encoding, encoding)


def decode_bytes(data: bytes, source: str) -> str:
    """Decode a text file, detecting its encoding.

    Order: a byte-order mark; strict UTF-8; an encoding the document declares;
    Windows-1252 (the usual legacy encoding of English web pages); then a statistical guess.
    Raises IngestError naming ``source`` for empty, binary or undecodable input.
    """
    if not data.strip():
        raise IngestError(source, "empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding), source)
            except UnicodeDecodeError as exc:
                raise IngestError(source, f"undecodable {encoding} text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise IngestError(source, "binary file, not text")
    candidates = ["utf-8"]
    declared = declared_charset(data)
    if declared:
        candidates.append(declared)
    candidates.append("cp1252")
    for encoding in candidates:
        try:
            return _check_text(data.decode(encoding), source)
        except (UnicodeDecodeError, LookupError):
            continue
    return _check_text(_guess(data, source), source)


def _guess(data: bytes, source: str) -> str:
    # Imported here: only files that are neither UTF-8 nor Windows-1252 pay for it.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(source, "undecodable bytes: not UTF-8, Windows-1252 or a known encoding")
    return str(best)


def _check_text(text: str, source: str) -> str:
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise IngestError(source, "binary file, not text")
    if not text.strip():
        raise IngestError(source, "empty file")
    return text
