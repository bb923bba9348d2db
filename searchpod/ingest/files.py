"""Reading source files safely: regular files only, a size cap, binary refused from a prefix.

A folder someone else filled can hold a FIFO (``open`` blocks for ever), a symlink to
``/dev/zero`` (a read never ends), a dangling symlink, a symlink loop, a name that is not
UTF-8, or a sparse file of a gigabyte of zeros. Each is refused here with a one-line reason
before any parser sees it, and without reading more than the cap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from searchpod.errors import IngestError

# Far above any real page or transcript (a two-hour transcript is ~150 KB, a page a few MB);
# SEARCHPOD_MAX_FILE_MB (or `searchpod index --max-file-mb`) raises or lowers it.
DEFAULT_MAX_FILE_MB = 16
MAX_FILE_ENV = "SEARCHPOD_MAX_FILE_MB"
# Indexing a file holds its text several times over at once (decoded, parsed into cues, the
# body, each word's positions), measured at up to this many times the file's size in peak
# memory (plain text the most; captions less). A file that would need more than
# MAX_FILE_MEMORY is refused before it is read, whatever the size cap: a 50 MB file once
# took 2.6 GB, and under a 2 GB limit ended in a MemoryError.
MEMORY_MULTIPLE = {".vtt": 16, ".srt": 16, ".tsv": 16, ".json": 24}
DEFAULT_MEMORY_MULTIPLE = 40
MAX_FILE_MEMORY = 768 * 2**20
# Enough to tell text from binary: decode.py looks at the same prefix.
SNIFF_BYTES = 8192
# Byte-order marks of UTF-16/32, whose text is full of NUL bytes.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def max_file_bytes() -> int:
    """The size cap in bytes: SEARCHPOD_MAX_FILE_MB megabytes, else the default."""
    raw = os.environ.get(MAX_FILE_ENV, "").strip()
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        megabytes = DEFAULT_MAX_FILE_MB
    return int(max(megabytes, 0) * 2**20)


def display_name(path: str | os.PathLike[str]) -> str:
    """``path`` as text that can be printed and stored: undecodable bytes as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def check_name(path: Path) -> None:
    """Refuse a file name that is not valid UTF-8 (it could not be an episode id)."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            display_name(path), "file name is not valid UTF-8: rename it to index it"
        ) from exc


def stat_source(path: Path) -> os.stat_result:
    """``stat`` of a source file (following symlinks), refusing what is not a regular file.

    Raises IngestError naming the file: a dangling symlink, a symlink loop, a FIFO, a
    device, a socket, or a file that cannot be seen.
    """
    try:
        st = path.stat()
    except OSError as exc:
        raise IngestError(display_name(path), _why_not_found(path, exc)) from exc
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise IngestError(display_name(path), f"not a regular file ({kind}): not read")
    return st


def read_source(path: Path) -> bytes:
    """The bytes of a regular file of at most the size cap; binary refused from a prefix.

    Opened without blocking (a FIFO swapped in after ``stat`` cannot hang the run) and
    checked again on the open file. Raises IngestError naming the file.
    """
    label = display_name(path)
    limit = max_file_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise IngestError(label, _why_not_found(path, exc)) from exc
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IngestError(label, f"not a regular file ({_kind(st.st_mode)}): not read")
        try:
            # A gigabyte of NULs (a sparse file, an image renamed .vtt) is refused from its
            # first bytes, not after reading it whole.
            head = os.pread(fd, SNIFF_BYTES, 0)
            if b"\x00" in head and not head.startswith(_WIDE_BOMS):
                raise IngestError(label, "binary file, not text")
            if st.st_size > limit:
                raise IngestError(label, _too_large(st.st_size, limit))
            check_memory(path, st.st_size)
            # One read of the size stat gave (one buffer, no copies), one byte more to see
            # whether the file grew meanwhile, then the rest in chunks up to the cap.
            data = f.read(st.st_size + 1)
            while len(data) > st.st_size and len(data) <= limit:
                more = f.read(2**20)
                if not more:
                    break
                data += more
        except OSError as exc:
            raise IngestError(label, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise IngestError(label, _too_large(len(data), limit))
    return data


def memory_needed(path: Path, size: int) -> int:
    """About the most memory indexing a file of ``size`` bytes at ``path`` can take."""
    return size * MEMORY_MULTIPLE.get(path.suffix.lower(), DEFAULT_MEMORY_MULTIPLE)


def check_memory(path: Path, size: int) -> None:
    """Refuse, naming the file, one that would need more than MAX_FILE_MEMORY to index."""
    needed = memory_needed(path, size)
    if needed > MAX_FILE_MEMORY:
        largest = MAX_FILE_MEMORY // (needed // size) / 2**20
        raise IngestError(
            display_name(path),
            f"too large to index ({size / 2**20:.1f} MB would take about "
            f"{needed / 2**30:.1f} GB of memory; files of this kind may be up to "
            f"{largest:.0f} MB: split it)",
        )


def _too_large(size: int, limit: int) -> str:
    return (
        f"too large ({size / 2**20:.1f} MB, the limit is {limit / 2**20:g} MB; "
        f"raise it with --max-file-mb or {MAX_FILE_ENV})"
    )


def _why_not_found(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop: not read"
    if isinstance(exc, FileNotFoundError) and path.is_symlink():
        return f"dangling symlink (to {display_name(os.readlink(path))}): not read"
    return f"cannot read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


# Real episode pages have a few thousand tags, interactive transcripts one per word (~20,000
# for two hours); past this a page costs BeautifulSoup over 100 MB and seconds.
MAX_HTML_TAGS = 100_000


def check_markup_size(html: str, source: str) -> None:
    """Refuse markup with more tags than any episode page has, before building a tree.

    BeautifulSoup spends ~1 KB and ~50 µs per element: a million ``<p>`` in 8 MB would take
    a gigabyte and minutes. Counting ``<`` is one linear pass in C and an upper bound.
    """
    tags = html.count("<")
    if tags > MAX_HTML_TAGS:
        raise IngestError(
            source,
            f"too much markup to be an episode page ({tags:,} tags; the limit is "
            f"{MAX_HTML_TAGS:,})",
        )
