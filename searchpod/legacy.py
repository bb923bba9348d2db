"""Class paths pickled into indexes on disk, kept importable after the code moved.

Whoosh pickles each index's schema and records each segment's codec by import path, so
every index written since searchpod 0.1 names these three paths. They are part of the on-disk
format: the classes live in ``searchpod.engine``, and these module names stay importable as
small alias modules created on demand (nothing else imports them).

======================================  ===========================================
pickled path                            where the class lives
======================================  ===========================================
``searchpod.analysis.PodcastAnalyzer``  ``searchpod.engine.analyzer.PodcastAnalyzer``
``searchpod.schema.TranscriptCharacters``  ``searchpod.engine.fields.TranscriptCharacters``
``searchpod.codec.PodcastCodec``        ``searchpod.engine.codec.PodcastCodec``
======================================  ===========================================
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence

#: Legacy module name -> (module that holds its classes, the names it exposes).
PICKLED_PATHS: dict[str, tuple[str, tuple[str, ...]]] = {
    "searchpod.analysis": ("searchpod.engine.analyzer", ("PodcastAnalyzer",)),
    "searchpod.schema": ("searchpod.engine.fields", ("TranscriptCharacters",)),
    "searchpod.codec": ("searchpod.engine.codec", ("PodcastCodec",)),
}


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return types.ModuleType(
            spec.name, f"Alias of {PICKLED_PATHS[spec.name][0]} (pickled path)."
        )

    def exec_module(self, module: types.ModuleType) -> None:
        home, names = PICKLED_PATHS[module.__name__]
        source = importlib.import_module(home)
        for name in names:
            setattr(module, name, getattr(source, name))


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in PICKLED_PATHS:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader())
        return None


def install() -> None:
    """Make the pickled paths importable (idempotent; called by ``import searchpod``)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
