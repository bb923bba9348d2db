"""From paths on disk to episodes: find files, pair pages with transcripts, parse, assemble.

A group is the files of one episode: an episode page and/or transcripts sharing a name stem
in one folder (``eps-12.html`` + ``eps-12.vtt``). Its id is the path of its main file
relative to the folder that was indexed, so it is stable across runs and machines.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import add, attrgetter
from pathlib import Path
from typing import Any

from searchpod.errors import IngestError
from searchpod.ingest.decode import decode_bytes
from searchpod.ingest.files import check_name, display_name, read_source, stat_source
from searchpod.model import (
    Cue,
    Episode,
    EpisodeFacts,
    IngestFailure,
    IngestWarning,
    Page,
    Transcript,
)

PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TIMED_SUFFIXES = frozenset({".vtt", ".srt", ".json", ".tsv"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
FEED_SUFFIXES = frozenset({".xml", ".rss"})
# Inside a folder these are only ever metadata: episode tables (CSV) and feeds beside the
# transcripts. A .tsv or .json may be either: its header tells (``ingest.catalogues``).
CATALOGUE_SUFFIXES = frozenset({".csv"}) | FEED_SUFFIXES
KNOWN_SUFFIXES = (
    PAGE_SUFFIXES | TIMED_SUFFIXES | TEXT_SUFFIXES | MARKDOWN_SUFFIXES | CATALOGUE_SUFFIXES
)
# What a group's main file (the one its id names) may be, before its best transcript: a
# page, or a text file, which may be one (and named its episode before transcripts ranked).
MAIN_SUFFIXES = PAGE_SUFFIXES | TEXT_SUFFIXES
# Part of every fingerprint: bump it when parsing changes, so files are parsed again.
PARSER_VERSION = "3"


@dataclass(frozen=True)
class SourceGroup:
    """The files making up one episode, and the folder its id is relative to."""

    root: Path
    # The files' paths: plain strings, as pathlib costs more than the rest of a no-change
    # run's work per episode; ``files`` has them as Paths.
    paths: tuple[str, ...]
    # The root folder's own name, when the caller has already resolved it.
    folder: str = ""
    # Whether "Name:" labels in transcript text may name speakers.
    labels: bool = True
    # The main file's path relative to ``root`` ("/"-separated), when discovery knows it:
    # Path.relative_to costs more than the rest of a no-change run's work per episode.
    relative: str = ""
    # Each file's stat from discovery, so a signature costs no second stat per file.
    stats: tuple[os.stat_result, ...] = field(default=(), compare=False, repr=False)
    # What an episode table or feed beside the files says about the episode.
    facts: EpisodeFacts | None = None
    # The show named for the folder (``index PATH --show NAME``), for episodes naming none.
    show: str = ""

    @functools.cached_property
    def files(self) -> tuple[Path, ...]:
        return tuple(Path(p) for p in self.paths)

    @property
    def main(self) -> Path:
        pages = [f for f in self.files if f.suffix.lower() in MAIN_SUFFIXES]
        return (pages or list(self.files))[0]

    @property
    def id(self) -> str:
        # The folder's own name is part of the id: "data/eps-1.html" and "other/eps-1.html"
        # are different episodes. Not a cached_property: its lock costs more than this.
        if self.folder and self.relative:
            return f"{self.folder}/{self.relative}"
        return self._derived_id

    @functools.cached_property
    def _derived_id(self) -> str:
        rel = self.relative or self.main.relative_to(self.root).as_posix()
        return f"{self.folder or self.root.resolve().name}/{rel}"

    def signature(self) -> tuple[tuple[str, int, int, int, int], ...]:
        """Name, size, mtime, ctime and inode of each file: if unchanged, so are the bytes.

        Cheap (a stat per file) where hashing reads every byte; the content hash stays the
        authority whenever a signature differs. ctime is there because no tool can set it:
        an edit followed by restoring the old mtime (``touch -r``, ``cp -p``) still shows.
        """
        # The stats taken at discovery are older than any read of the bytes that follows,
        # so a file changed in between shows as changed next time, never the reverse.
        stats = (
            self.stats if len(self.stats) == len(self.paths) else [os.stat(p) for p in self.paths]
        )
        files = tuple(
            (p.rpartition(os.sep)[2], st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            for p, st in zip(self.paths, stats, strict=True)
        )
        if self.facts is None and not self.show:
            return files
        # What a table or feed says is part of the episode: a change to it is a change.
        said = int(hashlib.sha256(self._said()).hexdigest()[:15], 16)
        return (*files, ("\x00facts", said, 0, 0, 0))

    def _said(self) -> bytes:
        return repr((self.facts, self.show)).encode("utf-8", "surrogatepass")

    def fingerprint(self) -> str:
        """A hash of every file's name and bytes: equal fingerprints need no re-parsing."""
        h = hashlib.sha256(PARSER_VERSION.encode() + (b"" if self.labels else b" no-labels"))
        if self.facts is not None or self.show:
            h.update(self._said())
        for f in self.files:
            h.update(f.name.encode())
            h.update(read_source(f))
        return h.hexdigest()


# Separates a fingerprint from the files of its group that could not be read.
_FAILED_MARK = "|failed:"


def with_failures(fingerprint: str, failures: list[IngestFailure]) -> str:
    """The fingerprint to store for an episode built despite ``failures`` among its files,
    so that an unchanged run still names them (``split_failures``)."""
    if not failures:
        return fingerprint
    return fingerprint + _FAILED_MARK + json.dumps([[f.source, f.reason] for f in failures])


def split_failures(stored: str) -> tuple[str, list[IngestFailure]]:
    """A stored fingerprint's own part, and the failures remembered with it."""
    fingerprint, mark, rest = stored.partition(_FAILED_MARK)
    if not mark:
        return stored, []
    try:
        return fingerprint, [IngestFailure(str(s), str(r)) for s, r in json.loads(rest)]
    except (ValueError, TypeError):
        return fingerprint, []


def folder_prefixes(roots: Iterable[Path], existing: Mapping[str, str]) -> dict[Path, str]:
    """The id prefix of each indexed folder: its name, unless another folder has it.

    ``existing`` maps the index's ids to their files' paths. A folder keeps the prefix it
    already has; a second folder of the same name (``a/tr``, then ``b/tr``) gets its name
    plus a hash of its path (``tr~1f0c3a9e``), so its episodes never replace the first's.
    A folder whose episodes' files are all gone (it was moved) hands its name on.
    """
    out: dict[Path, str] = {}
    claimed: dict[str, Path] = {}  # prefix -> the folder that has it in this run
    for root in roots:
        resolved = root.resolve()
        mine = [prefix for prefix, folder in claimed.items() if folder == resolved]
        if mine:
            out[root] = mine[0]
            continue
        name = resolved.name
        hashed = f"{name}~{hashlib.sha256(os.fsencode(resolved)).hexdigest()[:8]}"
        # Its own hashed prefix from before, or its name already taken by a folder elsewhere.
        mine_before = str(resolved) + "/"
        taken = name in claimed or any(
            doc_id.startswith(name + "/")
            # Not this folder's own file (most of them, and the quick answer).
            and path != mine_before + doc_id.partition("/")[2]
            and _in_other_folder(doc_id, path, resolved)
            for doc_id, path in existing.items()
        )
        had_hashed = any(doc_id.startswith(hashed + "/") for doc_id in existing)
        prefix = hashed if had_hashed or taken else name
        claimed[prefix] = resolved
        out[root] = prefix
    return out


def _in_other_folder(doc_id: str, path: str, folder: Path) -> bool:
    """Whether episode ``doc_id`` (file ``path``) came from another folder named like
    ``folder``, which still holds it.

    That folder is the path less the id's relative part; a symlink in ``folder`` to a file
    elsewhere (whose path does not end that way) proves nothing.
    """
    rel = doc_id.partition("/")[2]
    if not rel or not path.endswith("/" + rel):
        return False
    other = path[: -len(rel) - 1]
    return other != str(folder) and os.path.basename(other) == folder.name and _exists(path)


def file_is_gone(path: str) -> bool:
    """True only when ``path`` is known not to exist (not when it merely cannot be seen)."""
    return not _exists(path)


def _exists(path: str | os.PathLike[str], *, follow_symlinks: bool = True) -> bool:
    try:
        os.stat(path, follow_symlinks=follow_symlinks)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True  # cannot tell: count it as there
    return True


# A folder's directories must be this much older than its walk for the walk to be reused:
# a change within the file system's timestamp granularity of the listing would not show.
LISTING_SETTLE_S = 2.0

DirStat = tuple[str, int, int, int, int]  # path, device, inode, mtime and ctime (ns)


@dataclass
class Listing:
    """One folder's walk: its directories' stats then, the files found, the ones skipped,
    and (once paired) its groups."""

    dirs: list[DirStat]
    files: list[str]
    skipped: dict[tuple[str, str], int]
    groups: list[SourceGroup] | None = None
    # Whether ``dirs`` may stand for the listing (walked well after they last changed).
    settled: bool = False
    # Episode tables and feeds among the files: metadata for the others, not episodes.
    catalogues: list[str] = field(default_factory=list)


class ListingCache:
    """What discovery found in each folder, reused while none of its directories changed.

    A file added, removed or renamed anywhere in a folder changes its directory's mtime and
    ctime (a permission change its ctime), so while every directory of the walk has the
    stat it had, the walk would find the same names: listing, filtering, sorting and pairing
    are skipped. Each file is still stat'ed, so an edited file shows as before. A folder that
    did change is walked again, and only the names that came or went are paired again.
    """

    def __init__(self) -> None:
        self._by_folder: dict[str, Listing] = {}

    def reuse(self, folder: Path) -> Listing | None:
        """The folder's last walk, if it may stand for a new one."""
        listing = self._by_folder.get(os.path.abspath(folder))
        if listing is None or not listing.settled:
            return None
        if not all(_dir_stat(d[0]) == d for d in listing.dirs):
            return None
        return listing

    def previous(self, folder: Path) -> Listing | None:
        """The folder's last walk, whatever changed since (its groups are only ever reused
        for names that a new walk finds again)."""
        return self._by_folder.get(os.path.abspath(folder))

    def remember(self, folder: Path, dirs: list[str], found: Listing, started: float) -> None:
        """Keep ``found``, which may stand for later walks if each of its ``dirs`` (walked
        from ``started``, a ``time.time()``) was last changed well before the walk."""
        settled = (started - LISTING_SETTLE_S) * 1e9
        stats = [_dir_stat(d) for d in dirs]
        found.settled = all(st is not None and max(st[3], st[4]) < settled for st in stats)
        found.dirs = [st for st in stats if st is not None]
        self._by_folder[os.path.abspath(folder)] = found


def _dir_stat(path: str) -> DirStat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def discover(
    paths: Iterable[str | os.PathLike[str]],
    *,
    labels: bool = True,
    skipped: dict[tuple[str, str], int] | None = None,
    listings: ListingCache | None = None,
    shows: Mapping[str, str] | None = None,
) -> tuple[list[SourceGroup], list[IngestFailure]]:
    """Find the episodes under files and folders (recursively, skipping hidden ones).

    A file named explicitly is taken whatever its extension; inside folders only known
    extensions count, so a folder of pages with images beside them indexes cleanly, and
    ``skipped`` (when given) counts the other files by suffix and reason, so nothing is
    left out unsaid. Files named together pair as they would in their folder (``ep.html``
    + ``ep.vtt``). What cannot be read or is not a regular file (a folder that cannot be
    listed, a dangling symlink, a FIFO, a name that is not UTF-8) is a failure naming it,
    not an episode. ``labels=False``: no speakers from ``Name:`` labels in transcript text.
    ``listings``: folders' walks from earlier runs, reused where nothing was added, removed
    or renamed in them (and updated otherwise). Episode tables and feeds among the files
    describe the transcripts at and below their folder (``ingest.catalogues``); ``shows``
    maps a path as given (made absolute) to the show of its episodes that name none.
    """
    from searchpod.ingest.catalogues import catalogue_facts, split_catalogues

    groups: list[SourceGroup] = []
    failures: list[IngestFailure] = []
    seen: set[tuple[int, int]] = set()
    named: dict[Path, list[str]] = {}
    found: list[tuple[Path, list[str], Listing | None, Listing | None]] = []
    catalogues: list[str] = []
    show_of: dict[str, str] = {}  # a root (as a string) -> its show
    for raw in paths:
        path = Path(raw)
        # os.path.isdir: False, not PermissionError, inside a folder we may not enter
        # (stat_source below then names the reason).
        is_dir = os.path.isdir(path)
        if shows and (show := shows.get(os.path.abspath(raw))):
            # A folder's groups have it as their root; named files, their folder.
            show_of.setdefault(str(path if is_dir else path.parent), show)
        if not is_dir and not _exists(path, follow_symlinks=False):
            failures.append(IngestFailure(display_name(raw), "no such file or folder"))
        elif is_dir:
            listing = listings.reuse(path) if listings is not None else None
            before = None
            if listing is None:
                before = listings.previous(path) if listings is not None else None
                listing = _walk_listing(path, failures, listings)
            if skipped is not None:
                for key, n in listing.skipped.items():
                    skipped[key] = skipped.get(key, 0) + n
            catalogues.extend(listing.catalogues)
            found.append((path, listing.files, listing, before))
        else:
            named.setdefault(path.parent, []).append(str(path))
    for parent, files in named.items():
        # A table named with its transcripts is their metadata, as in their folder.
        named[parent], tables = split_catalogues(files)
        catalogues.extend(tables)
    # Paths are plain strings until grouped: pathlib costs several times the rest of the
    # work per file, and a no-change run over thousands of files is mostly this loop.
    for root, files, listing, before in [*found, *((p, f, None, None) for p, f in named.items())]:
        # Named twice (a folder and a file in it)? Index it once. One stat per file, where
        # resolve() would lstat every component of every path.
        fresh: list[tuple[str, os.stat_result]] = []
        for f in files:
            try:
                st = os.stat(f) if f.isascii() else None
            except OSError:
                st = None
            if st is None or not stat.S_ISREG(st.st_mode):
                try:  # the slow path names the reason
                    check_name(Path(f))
                    st = stat_source(Path(f))
                except IngestError as exc:
                    failures.append(IngestFailure(exc.source, exc.reason))
                    continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                fresh.append((f, st))
        # Pairing is reused only when every file of the walk is kept, as last time.
        whole = listing if listing is not None and len(fresh) == len(files) else None
        if whole is not None and whole.groups is not None:
            groups.extend(_regroup(root, whole.groups, dict(fresh)))
            continue
        if whole is not None and before is not None and before.groups is not None:
            paired = _pair_again(root, before, fresh)
        else:
            paired = _pair(root, fresh)
        if whole is not None:
            whole.groups = paired
        groups.extend(paired)
    if not labels:
        groups = [dataclasses.replace(g, labels=False) for g in groups]
    if show_of:
        groups = [
            dataclasses.replace(g, show=show) if (show := show_of.get(str(g.root))) else g
            for g in groups
        ]
    if catalogues:
        mains = [g.paths[0] if g.paths else "" for g in groups]
        facts = catalogue_facts(mains, catalogues, skipped)
        groups = [
            dataclasses.replace(g, facts=f) if f else g for g, f in zip(groups, facts, strict=True)
        ]
    return groups, failures


def _walk_listing(
    folder: Path, failures: list[IngestFailure], listings: ListingCache | None
) -> Listing:
    from searchpod.ingest.catalogues import split_catalogues

    started = time.time()
    before = len(failures)
    dirs: list[str] = []
    skipped: dict[tuple[str, str], int] = {}
    # In pathlib's order (by path components), which is not the strings' order.
    walked = sorted(_walk(folder, failures, skipped, dirs), key=_components)
    walked, catalogues = split_catalogues(walked)
    listing = Listing([], walked, skipped, catalogues=catalogues)
    if listings is not None and len(failures) == before:  # a folder it could not list: again
        listings.remember(folder, dirs, listing, started)
    return listing


def _pair_again(
    root: Path, before: Listing, fresh: list[tuple[str, os.stat_result]]
) -> list[SourceGroup]:
    """``_pair(root, fresh)``, reusing ``before``'s groups of names that neither came nor
    went (a group is the files of one folder and lower-case stem: its members are the same)."""
    assert before.groups is not None
    if before.groups and before.groups[0].folder != root.resolve().name:
        return _pair(root, fresh)  # the folder itself is another one now (a moved link)
    came_or_went = set(before.files).symmetric_difference(f for f, _ in fresh)
    if not came_or_went:
        return list(_regroup(root, before.groups, dict(fresh)))
    touched = {_stem_key(f) for f in came_or_went}
    # A cheap test first (a touched key's path, lower-cased, opens the name's), then the key.
    near = tuple(f"{parent}{os.sep}{stem}".lower() for parent, stem in touched)

    def is_touched(path: str) -> bool:
        return path.lower().startswith(near) and _stem_key(path) in touched

    kept = [g for g in before.groups if not is_touched(g.paths[0])]
    groups = list(_regroup(root, kept, dict(fresh)))  # still in id order
    for g in _pair(root, [(f, st) for f, st in fresh if is_touched(f)]):
        bisect.insort(groups, g, key=_group_id)
    return groups


def _group_id(group: SourceGroup) -> str:
    return group.id


def _stem_key(path: str) -> tuple[str, str]:
    """What ``_pair`` groups files by: their folder and lower-case stem."""
    parent, _, name = path.rpartition(os.sep)
    return parent, _split_name(name)[0].lower()


def _regroup(
    root: Path, known: list[SourceGroup], stats: dict[str, os.stat_result]
) -> Iterator[SourceGroup]:
    """``known`` groups (of the same files) with this run's stats and ``root``."""
    for g in known:
        yield SourceGroup(
            root, g.paths, g.folder, relative=g.relative, stats=tuple(stats[p] for p in g.paths)
        )


def _components(path: str) -> list[str]:
    return path.split(os.sep)


def _split_name(name: str) -> tuple[str, str]:
    """A file name's stem and suffix, as pathlib splits them ("a." has no suffix)."""
    i = name.rfind(".")
    if 0 < i < len(name) - 1:
        return name[:i], name[i:]
    return name, ""


# A project's own notes beside its episodes ("README.md") are not episodes.
_NOT_EPISODES = frozenset({"readme", "license", "licence", "changelog", "contributing", "authors"})


def _skip_reason(name: str) -> str | None:
    """Why a file inside a folder is left out, or None if it is indexed."""
    stem, suffix = _split_name(name)
    suffix = suffix.lower()
    if stem.lower() in _NOT_EPISODES:
        return f"{stem.upper()} files are notes, not episodes"
    if suffix in KNOWN_SUFFIXES:
        return None
    return "not a known format"


def _walk(
    folder: Path,
    failures: list[IngestFailure],
    skipped: dict[tuple[str, str], int] | None = None,
    dirs: list[str] | None = None,
) -> Iterator[str]:
    def unreadable(exc: OSError) -> None:
        name = display_name(exc.filename or folder)
        failures.append(IngestFailure(name, f"cannot read folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if dirs is not None:
            dirs.append(dirpath)
        prefix = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep  # os.path.join's
        for name in filenames:
            if name.startswith("."):
                continue
            reason = _skip_reason(name)
            if reason is None:
                yield prefix + name
            elif skipped is not None:
                key = (_split_name(name)[1].lower() or "(no suffix)", reason)
                skipped[key] = skipped.get(key, 0) + 1


def _pair(root: Path, files: list[tuple[str, os.stat_result]]) -> list[SourceGroup]:
    folder = root.resolve().name  # once: resolve() stats every component of the path
    top = str(root)
    top = top if top.endswith(os.sep) else top + os.sep
    # (path, lower-case suffix, name, stat) of each file, by folder and lower-case stem.
    by_stem: dict[tuple[str, str], list[tuple[str, str, str, os.stat_result]]] = {}
    for f, st in files:
        parent, _, name = f.rpartition(os.sep)
        stem, suffix = _split_name(name)
        by_stem.setdefault((parent, stem.lower()), []).append((f, suffix.lower(), name, st))
    groups: list[SourceGroup] = []

    def group(members: list[tuple[str, str, str, os.stat_result]]) -> SourceGroup:
        # What Path.relative_to(root).as_posix() gives for the group's main file ("" where
        # the strings don't show it, e.g. root "." and file "ep.vtt": ``id`` computes it).
        main = next((m for m in members if m[1] in MAIN_SUFFIXES), members[0])[0]
        rel = main[len(top) :] if main.startswith(top) else ""
        return SourceGroup(
            root,
            tuple(m[0] for m in members),
            folder,
            relative=rel.replace(os.sep, "/"),
            stats=tuple(m[3] for m in members),
        )

    for members in by_stem.values():
        if len(members) == 1:
            groups.append(group(members))
            continue
        pages = [m for m in members if m[1] in PAGE_SUFFIXES]
        others = [m for m in members if m[1] not in PAGE_SUFFIXES]
        if len(pages) > 1:
            # Two pages of one stem (eps-1.html, eps-1.htm) are two episodes, not a pair.
            groups.extend(group([p]) for p in pages)
            pages = []
        ordered = pages + sorted(others, key=lambda m: _suffix_rank(m[1], m[2]))
        if ordered:  # not when two pages were all there was
            groups.append(group(ordered))
    return sorted(groups, key=lambda g: g.id)


def _suffix_rank(suffix: str, name: str) -> tuple[int, str]:
    # Best first: the group's id names its first file (after any page), so it is the file
    # whose transcript is used, and stays when a lesser sibling is broken, fixed or removed.
    order = [".vtt", ".srt", ".json", ".tsv", ".md", ".markdown", ".txt", ".text"]
    return (order.index(suffix) if suffix in order else len(order), name)


def load_episode(group: SourceGroup, *, source_prefix: str | None = None) -> Episode:
    """Parse a group's files into one episode. Raises IngestError naming the bad file.

    Strict: any file that cannot be read fails the episode. ``load_group`` is the forgiving
    form an indexing run uses.
    """
    episode, failures = load_group(group, source_prefix=source_prefix)
    if failures:
        raise IngestError(failures[0].source, failures[0].reason)
    return episode


def load_group(
    group: SourceGroup,
    *,
    source_prefix: str | None = None,
    warnings: list[IngestWarning] | None = None,
) -> tuple[Episode, list[IngestFailure]]:
    """Parse a group's files into one episode, and name each file that could not be read.

    Each file stands on its own: a broken ``ep.json`` beside a good ``ep.vtt`` is reported
    while the episode is built from the rest. Raises IngestError (the first file's) only
    when no file of the group could be read. What was wrong in the transcript the episode
    uses, but did not stop it, is added to ``warnings``.
    """
    # Imported here: bs4 costs ~0.1 s to import, and a folder of transcripts never needs it.
    from searchpod.ingest.pages.text import looks_like_text_page, parse_text_page
    from searchpod.ingest.transcripts.detect import parse_transcript

    page: Page | None = None
    transcript: Transcript | None = None
    best = (False, False)
    transcript_file: Path | None = None
    failures: list[IngestFailure] = []
    first_error: IngestError | None = None
    for f in group.files:
        label = str(f)
        try:
            # Not kept: the bytes are garbage once decoded (a 50 MB file is 50 MB less to hold).
            text = decode_bytes(read_source(f), label)
            suffix = f.suffix.lower()
            if suffix in PAGE_SUFFIXES:
                from searchpod.ingest.pages.html import read_html_file

                found_page, found = read_html_file(text, label, labels=group.labels)
                page = page or found_page
                if found is None:
                    continue
                parsed = found
            elif page is None and suffix in TEXT_SUFFIXES and looks_like_text_page(text):
                page = parse_text_page(text, label)
                continue
            else:
                # Every file is read, even beside a good transcript: a broken one is named.
                parsed = parse_transcript(text, label, suffix=suffix, labels=group.labels)
            rank = _transcript_quality(parsed, suffix)
            if transcript is None or rank > best:
                transcript, best, transcript_file = parsed, rank, f
        except IngestError as exc:
            failures.append(IngestFailure(exc.source, exc.reason))
            first_error = first_error or exc
    if page is None and transcript is None:
        assert first_error is not None  # a group has at least one file
        raise first_error
    # The file the episode was read from: a transcript's own, when a broken sibling named
    # the group.
    shown = transcript_file if page is None and transcript_file is not None else group.main
    if warnings is not None and transcript is not None and transcript_file is not None:
        warnings.extend(IngestWarning(str(transcript_file), w) for w in transcript.warnings)
    source = shown.as_posix() if source_prefix is None else source_prefix
    episode = assemble_episode(group.id, source, page, transcript, fallback_title=group.main.stem)
    if group.facts is not None:
        episode = with_facts(episode, group.facts, from_page=page is not None)
    if group.show and not episode.show:
        episode = dataclasses.replace(episode, show=group.show)
    return episode, failures


def with_facts(episode: Episode, facts: EpisodeFacts, *, from_page: bool) -> Episode:
    """``episode`` with what its table row or feed item says.

    A page's own fields win over the row's, which fills in what the page leaves out; an
    episode from a bare transcript takes the row's title, number, date, summary and audio
    over what its file name suggested.
    """
    winner: Episode | EpisodeFacts = episode if from_page else facts
    other: Episode | EpisodeFacts = facts if from_page else episode
    names: tuple[str, ...] = _FACTS if from_page else ("title", *_FACTS)
    given = {name: _first_given(getattr(winner, name), getattr(other, name)) for name in names}
    return dataclasses.replace(episode, **given)


# What a table row or feed item can say of an episode (its title apart: a page's is kept).
_FACTS = ("show", "episode", "host", "summary", "published", "url", "media_url")


def _first_given(first: Any, second: Any) -> Any:
    """``first`` unless it is missing (None or empty); episode number 0 is given."""
    return second if first is None or first == "" else first


def _transcript_quality(transcript: Transcript, suffix: str) -> tuple[bool, bool]:
    """Timed beats untimed; then captions and segments (exact times, ends) beat timed text."""
    return transcript.timed, suffix in TIMED_SUFFIXES


def assemble_episode(
    episode_id: str,
    source: str,
    page: Page | None,
    transcript: Transcript | None,
    *,
    fallback_title: str,
) -> Episode:
    """One episode from a page, a transcript, or both: the page gives title, host and summary;
    the transcript the timed text, which follows the page's own text in the body."""
    cues = transcript.cues if transcript else ()
    page_body = page.body if page else ""
    if page is None:
        named = facts_from_name(fallback_title)
        return Episode(
            id=episode_id,
            title=(transcript.title if transcript else None) or named.title,
            source=source,
            body=compose_body("", cues),
            episode=named.episode,
            published=named.published,
            cues=cues,
            media_url=transcript.media_url if transcript else None,
        )
    return Episode(
        id=episode_id,
        title=page.title,
        source=source,
        body=compose_body(page_body, cues),
        show=page.show,
        episode=page.episode,
        host=page.host,
        summary=page.summary,
        metadata=page.metadata,
        published=page.published,
        url=page.url,
        media_url=page.media_url or (transcript.media_url if transcript else None),
        cues=cues,
    )


CUE_SEPARATOR = "\n"
PAGE_SEPARATOR = "\n\n"
_TEXT = attrgetter("text")


def compose_body(page_body: str, cues: tuple[Cue, ...]) -> str:
    """The searchable body: the page's text, then each cue on its own line.

    ``cue_offsets`` computes where each cue starts in this string; the two must agree.
    """
    transcript = CUE_SEPARATOR.join(map(_TEXT, cues))
    if page_body and transcript:
        return page_body + PAGE_SEPARATOR + transcript
    return page_body or transcript


def cue_offsets(body: str, cues: tuple[Cue, ...]) -> list[int]:
    """The character offset at which each cue starts in a body made by ``compose_body``.

    The cues are the body's tail, so their offsets follow from the lengths alone.
    """
    if not cues:
        return []
    # Each cue starts one separator past the end of the one before: running sums, in C.
    steps = list(map(add, map(len, map(_TEXT, cues)), itertools.repeat(len(CUE_SEPARATOR))))
    tail = sum(steps) - len(CUE_SEPARATOR)
    return list(itertools.accumulate(steps[:-1], initial=len(body) - tail))


@dataclass(frozen=True)
class NameFacts:
    """What a transcript's file name says about its episode."""

    title: str
    episode: int | None = None
    published: dt.date | None = None


_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_NAME_NUMBER = re.compile(
    r"^(?:(?:ep|eps|episode|e|no|nr|#)[-_ .]*)?(\d{1,5})(?=$|[-_ .])|[-_ .](?:ep|eps|episode)[-_ .]*(\d{1,5})(?!\d)",
    re.I,
)


def facts_from_name(stem: str) -> NameFacts:
    """Episode number, date and title from a file name, as archives name their files.

    >>> facts_from_name("530-anywidget")
    NameFacts(title='Anywidget', episode=530, published=None)
    >>> facts_from_name("news_2024-01-25").published
    datetime.date(2024, 1, 25)
    """
    published = None
    m = _NAME_DATE.search(stem)
    rest = stem
    if m:
        try:
            published = dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            published = None
        if published is not None:
            rest = stem[: m.start()] + " " + stem[m.end() :]
    episode = None
    n = _NAME_NUMBER.search(rest)
    # A lone 19xx/20xx opening a name ("2023_recap") is a year, not episode 2023.
    if n and not (n.group(1) and _YEAR.fullmatch(n.group(1))):
        episode = int(n.group(1) or n.group(2))
        if n.group(1):  # a leading number is the episode's, not part of its title
            rest = rest[n.end() :]
    words = " ".join(_with_apostrophes(rest.replace("_", " ").replace("-", " ").split()))
    if published is not None:
        words = f"{words} {published.isoformat()}".strip()
    if not words:
        words = f"Episode {episode}" if episode is not None else stem
    # Keep the name's own case ("LaLaLand"); only an all-lower-case first word is raised.
    return NameFacts(words[0].upper() + words[1:], episode, published)


# Contractions a file name spells without the apostrophe ("we-ve-moved", "aren_t"): the
# ending, and the words it follows (None: any word; "t" only after a word ending in "n").
_CONTRACTIONS: dict[str, frozenset[str] | None] = {
    "t": None,
    "s": None,
    "ve": None,
    "ll": None,
    "re": frozenset({"we", "you", "they", "who", "what", "there", "here", "where", "why", "how"}),
    "d": frozenset({"i", "you", "we", "they", "he", "she", "it", "who", "that", "there"}),
    "m": frozenset({"i"}),
}


def _with_apostrophes(words: list[str]) -> list[str]:
    """``["we", "ve", "moved"]`` -> ``["we've", "moved"]``; a lone ``i`` becomes ``I``."""
    out: list[str] = []
    for word in words:
        low = word.lower()
        prev = out[-1].lower() if out else ""
        if low in _CONTRACTIONS and prev.isalpha():
            allowed = _CONTRACTIONS[low]
            if (allowed is None or prev in allowed) and (low != "t" or prev.endswith("n")):
                out[-1] = f"{out[-1]}'{word}"
                continue
        out.append("I" if word == "i" else word)
    return out
