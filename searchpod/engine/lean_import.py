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
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any


def silence_whoosh_warnings() -> None:
    # Compile-time warnings name the file (module=path), run-time ones the module.
    warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*[\\/]whoosh[\\/]")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r".*[\\/]whoosh[\\/]")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh(\.|$)")


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def load() -> None:
    silence_whoosh_warnings()
    if "whoosh.compat" in sys.modules or "urllib.request" in sys.modules:
        return
    import urllib

    placeholder = types.ModuleType("urllib.request")
    placeholder.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    sys.modules["urllib.request"] = placeholder
    try:
        import whoosh.compat  # noqa: F401
    finally:
        if sys.modules.get("urllib.request") is placeholder:
            del sys.modules["urllib.request"]
        if getattr(urllib, "request", None) is placeholder:
            del urllib.request


load()
