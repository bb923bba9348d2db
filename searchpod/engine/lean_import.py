"""Import Whoosh quietly, and without the network stack it never uses.

Whoosh 2.7.4 predates Python 3.12: compiling it warns (invalid escapes, ``is`` with a
literal) and it calls ``datetime.utcnow()``. Those warnings are silenced for Whoosh's own
files only, so ``python -W error`` works and every other module's warnings still show.

``whoosh.compat`` imports ``urllib.request`` only to re-export ``urlretrieve``, which nothing
in Whoosh or searchpod calls — yet that import drags in ssl, socket, http.client and email,
~50 ms of a ~300 ms cold ``searchpod search``. While ``whoosh.compat`` loads, a placeholder
module stands in whose ``urlretrieve`` imports the real one if it is ever called; the
placeholder is removed straight after, so any later ``import urllib.request`` (ours, or an
embedding application's) loads the real module as usual.

``whoosh.query`` likewise imports ``whoosh.lang.morph_en`` for ``variations``, used only by
the ``Variations`` query, which searchpod never builds: compiling its one huge regular
expression is the costliest single import of a cold search (~5-9 ms). It gets the same
placeholder treatment while ``whoosh.query`` loads.
"""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def silence_whoosh_warnings() -> None:
    # Compile-time warnings name the file (module=path), run-time ones the module.
    warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*[\\/]whoosh[\\/]")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r".*[\\/]whoosh[\\/]")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh(\.|$)")


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(*args: Any, **kwargs: Any) -> Any:
    from whoosh.lang.morph_en import variations

    return variations(*args, **kwargs)


@contextmanager
def _standing_in(name: str, parent: types.ModuleType, **attributes: Any) -> Iterator[None]:
    """While the block runs, ``import name`` gives a placeholder with ``attributes``."""
    placeholder = types.ModuleType(name)
    vars(placeholder).update(attributes)
    sys.modules[name] = placeholder
    try:
        yield
    finally:
        if sys.modules.get(name) is placeholder:
            del sys.modules[name]
        child = name.rpartition(".")[2]
        if getattr(parent, child, None) is placeholder:
            delattr(parent, child)


def load() -> None:
    silence_whoosh_warnings()
    if "whoosh.compat" not in sys.modules and "urllib.request" not in sys.modules:
        import urllib

        with _standing_in("urllib.request", urllib, urlretrieve=_urlretrieve):
            import whoosh.compat
    if "whoosh.query" not in sys.modules and "whoosh.lang.morph_en" not in sys.modules:
        import whoosh.lang

        with _standing_in("whoosh.lang.morph_en", whoosh.lang, variations=_variations):
            import whoosh.query


load()
