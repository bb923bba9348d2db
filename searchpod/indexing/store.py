"""The index directory on disk: generations, the CURRENT pointer, versions, the writer lock.

    index/
      CURRENT          name of the live generation, replaced atomically
      g000001/         a Whoosh index + searchpod.json (versions) + stems/ (word -> stem)
                       + files.marshal (what each source file looked like when last hashed)
                       + live.marshal (each episode's fingerprint and path, for one commit)
      write.lock       held by the one process writing
      feeds.json       remembered feeds;  cache/  downloaded transcripts

Whoosh commits are atomic within a generation; a rebuild writes a whole new generation and
switches CURRENT only when it is complete, so readers never see a half-built index. A reader
pins the commit it reads (``engine.commits``): a replaced generation is removed only once no
reader in any process pins it, and until then by every later run that finds it free.
"""

from __future__ import annotations

import json
import marshal
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from searchpod.atomic import atomic_write
from searchpod.engine.writing import remove_generation
from searchpod.errors import (
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    UnsafeIndexError,
)
from searchpod.text.analysis import ANALYSER_VERSION

# Bump when the schema or stored-field layout changes incompatibly.
# 2: compact TranscriptCharacters values; 3: searchpod.codec segments; 4: passages.
SCHEMA_VERSION = 4
# Versions this searchpod reads. Moments rank the passages every episode of a version-4 index
# holds: an older index has none, and asks for a rebuild.
READABLE_SCHEMA_VERSIONS = (4,)
META_FILE = "searchpod.json"
STEMS_DIR = "stems"
STAT_CACHE_FILE = "files.marshal"
# id -> (fingerprint, path) of the live documents, stamped with the commit it describes.
LIVE_FILE = "live.marshal"
# A file changed this recently might change again within the same mtime tick unnoticed
# (coarse-clock file systems): such files are hashed again next time rather than trusted.
STAT_SETTLE_S = 2.0
STEM_SHARDS = 64
CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
# What CURRENT may name: a generation folder directly inside the index, nothing else.
_GENERATION_NAME = re.compile(r"g[0-9]{6,9}")
# The name of searchpod's indexing worker processes (see build.write_segments).
INDEXING_WORKER = "searchpod-indexer"


class IndexDir:
    """Paths and pointer handling for one index directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return (self.path / CURRENT_FILE).is_file()

    def current(self) -> Path:
        """The live generation's folder. Raises IndexNotFoundError if there is none."""
        try:
            name = (self.path / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise IndexNotFoundError(str(self.path)) from exc
        if not name:
            raise IndexNotFoundError(str(self.path))
        if not _GENERATION_NAME.fullmatch(name):
            # An absolute path, "../elsewhere" or any other name would send reads and commits
            # outside the index directory.
            shown = name if len(name) <= 80 else name[:80] + "…"
            raise UnsafeIndexError(
                str(self.path), f"{CURRENT_FILE} names {shown!r}, not a generation folder in it"
            )
        gen = self.path / name
        if gen.is_symlink():
            raise UnsafeIndexError(str(self.path), f"{name} is a symbolic link")
        if not gen.is_dir():
            raise IndexNotFoundError(str(self.path))
        return gen

    def refuse_links(self, gen: Path) -> None:
        """Before writing: no symbolic link among the files a run writes or truncates.

        A link planted as ``write.lock`` or inside the generation would make a commit write
        (or the lock truncate) a file outside the index directory.
        """
        names = [LOCK_FILE, "cache", "feeds.json"]
        candidates = [self.path / n for n in names]
        with os.scandir(gen) as entries:
            candidates.extend(Path(e.path) for e in entries if e.is_symlink())
        for path in candidates:
            if path.is_symlink():
                raise UnsafeIndexError(
                    str(self.path), f"{path.relative_to(self.path)} is a symbolic link"
                )

    def new_generation(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[1:]) for p in self.path.glob("g[0-9]*") if p.name[1:].isdigit()]
        gen = self.path / f"g{max(numbers, default=0) + 1:06d}"
        gen.mkdir()
        return gen

    def publish(self, gen: Path) -> None:
        """Make ``gen`` the live generation (atomic), then drop the others."""
        atomic_write(self.path / CURRENT_FILE, gen.name.encode())
        self.remove_stale(keep=gen)

    def remove_stale(self, keep: Path) -> None:
        """Under the write lock: drop what interrupted runs left behind."""
        # Left by a rebuild that was interrupted, or superseded by one that finished: each
        # is removed unless a searcher (in any process) still reads it, then by a later run.
        for other in self.path.glob("g[0-9]*"):
            if other.is_dir() and not other.is_symlink() and other.name != keep.name:
                remove_generation(other)
        # atomic_write's temporary files, from a run killed between writing and renaming;
        # only ones written under the lock we hold (feeds.json is written without it).
        for folder, pattern in (
            (self.path, f".{CURRENT_FILE}.*.tmp"),
            (keep, ".*.tmp"),
            (keep / STEMS_DIR, ".*.tmp"),
        ):
            for tmp in folder.glob(pattern):
                tmp.unlink(missing_ok=True)

    @contextmanager
    def write_lock(
        self, timeout: float, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the single-writer lock. The OS releases it if the process dies (even kill -9)."""
        from filelock import FileLock, Timeout

        self.path.mkdir(parents=True, exist_ok=True)
        if (self.path / LOCK_FILE).is_symlink():
            # filelock opens with O_TRUNC: through a link it would empty someone's file.
            raise UnsafeIndexError(str(self.path), f"{LOCK_FILE} is a symbolic link")
        lock = FileLock(str(self.path / LOCK_FILE))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            try:
                lock.acquire(timeout=timeout)
            except Timeout as exc:
                raise IndexLockedError(str(self.path), timeout) from exc
        try:
            yield
        finally:
            lock.release()


def untrusted_default(path: Path) -> str | None:
    """Why an index found at the default path (``./index``) should not be opened, or None.

    Opening a Whoosh index unpickles its table of contents, which can run code. In a shared
    folder, ``./index`` may be someone else's: one owned by another user, or that other
    users may write to, is refused (as git refuses a repository owned by someone else);
    naming it with ``--index`` opens it anyway. A folder you downloaded or cloned is yours,
    though: this cannot tell its index from one you built (the README says so).
    """
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no owners to compare (Windows)
        return None
    try:
        found = [path.lstat(), path.stat()]
        current = path / CURRENT_FILE
        if current.exists():
            found.append(current.lstat())
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be inspected ({exc.strerror or exc})"
    uid, gid = getuid(), os.getgid()
    for st in found:
        if st.st_uid != uid:
            return f"it belongs to another user (uid {st.st_uid})"
        if stat.S_ISLNK(st.st_mode):
            continue
        # Group-writable is fine for the user's own group (umask 002 with user groups).
        if st.st_mode & stat.S_IWOTH or (st.st_mode & stat.S_IWGRP and st.st_gid != gid):
            return "other users can write to it"
    return None


def write_meta(gen: Path) -> None:
    meta = {"schema_version": SCHEMA_VERSION, "analyser": ANALYSER_VERSION}
    atomic_write(gen / META_FILE, json.dumps(meta).encode())


def _read_meta(gen: Path) -> dict[str, Any]:
    try:
        meta = json.loads((gen / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def mark_written_by_this_version(gen: Path) -> None:
    """Before committing to ``gen``: record the schema version its new segments need."""
    if _read_meta(gen).get("schema_version") != SCHEMA_VERSION:
        write_meta(gen)


def check_meta(gen: Path, index_path: Path) -> None:
    """Refuse an index built by an incompatible searchpod before Whoosh unpickles anything."""
    meta = _read_meta(gen)
    found = (meta.get("schema_version"), meta.get("analyser"))
    if found[0] not in READABLE_SCHEMA_VERSIONS or found[1] != ANALYSER_VERSION:
        raise IndexVersionError(
            str(index_path), f"{found[0]}/{found[1]}", f"{SCHEMA_VERSION}/{ANALYSER_VERSION}"
        )


def _shard_of(word: str) -> int:
    # crc32, not hash(): the shard must be the same in every process.
    return zlib.crc32(word.encode("utf-8", "surrogatepass")) % STEM_SHARDS


class StemShards:
    """The stem table saved beside a generation, read one shard at a time.

    A query needs the stems of a few words; loading only their shards keeps a cold
    ``searchpod search`` from reading the whole vocabulary.
    """

    def __init__(self, gen: Path) -> None:
        self.folder = gen / STEMS_DIR
        self._loaded: dict[int, dict[str, str]] = {}

    def shard(self, number: int) -> dict[str, str]:
        if number not in self._loaded:
            try:
                table = marshal.loads((self.folder / f"{number:02d}.marshal").read_bytes())
            except (OSError, ValueError, EOFError, TypeError):
                table = {}  # only a cache: a missing or damaged shard costs speed, not results
            self._loaded[number] = table if isinstance(table, dict) else {}
        return self._loaded[number]

    def lookup(self, word: str) -> str | None:
        return self.shard(_shard_of(word)).get(word)

    def all(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for number in range(STEM_SHARDS):
            merged.update(self.shard(number))
        return merged


def save_stems(gen: Path, table: dict[str, str]) -> None:
    """Add ``table`` to the generation's saved stems, rewriting only shards that grew."""
    shards = StemShards(gen)
    grown: dict[int, dict[str, str]] = {}
    for word, result in table.items():
        number = _shard_of(word)
        current = shards.shard(number)
        if word not in current:
            grown.setdefault(number, dict(current))[word] = result
    if grown:
        shards.folder.mkdir(exist_ok=True)
    for number, merged in grown.items():
        atomic_write(shards.folder / f"{number:02d}.marshal", marshal.dumps(merged))


# id -> (signature of the source files, the content fingerprint they had)
StatCache = dict[str, tuple[Any, str]]


def load_stat_cache(gen: Path) -> StatCache:
    """The saved file signatures, or {} (only a cache: a lost one costs hashing, not results).
    Shared with later calls while the file is the same: not to be changed in place."""
    try:
        cache = _read_marshal(gen / STAT_CACHE_FILE)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return cache if isinstance(cache, dict) else {}


# path -> (the file's identity, what it held): a warm process's incremental runs read the
# same saved tables again and again (~3 ms each at 3,000 episodes). Each save replaces the
# file (atomic_write: a new inode), so a file with the same identity holds the same bytes.
_MARSHAL_READ: dict[Path, tuple[tuple[int, int, int, int, int], Any]] = {}


def _read_marshal(path: Path) -> Any:
    with path.open("rb") as f:
        st = os.fstat(f.fileno())
        identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = _MARSHAL_READ.get(path)
        if known is not None and known[0] == identity:
            return known[1]
        value = marshal.loads(f.read())
    _MARSHAL_READ[path] = (identity, value)
    return value


def save_stat_cache(gen: Path, cache: StatCache) -> None:
    atomic_write(gen / STAT_CACHE_FILE, marshal.dumps(cache))


Live = dict[str, tuple[str, str]]


def load_live(gen: Path, stamp: Any) -> Live | None:
    """The saved live documents, if saved for the commit ``stamp`` names; else None.
    Shared with later calls while the file is the same: not to be changed in place."""
    if stamp is None:
        return None
    try:
        saved = _read_marshal(gen / LIVE_FILE)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(saved, dict) or saved.get("stamp") != stamp:
        return None
    live = saved.get("live")
    return live if isinstance(live, dict) else None


def save_live(gen: Path, stamp: Any, live: Live) -> None:
    """Save ``live`` as the documents of commit ``stamp`` (only a cache: a failure to save
    costs the next run a read of the index, not results)."""
    if stamp is None:
        return
    with suppress(OSError):
        atomic_write(gen / LIVE_FILE, marshal.dumps({"stamp": stamp, "live": live}))
