"""Build searchpod's API reference from its docstrings (pdoc): ``python docs/api.py [OUT]``.

The public API is what ``searchpod`` exports (``searchpod.__all__``); the sub-packages are
its insides and are left out. Written to ``docs/api/`` by default; open ``searchpod.html``.
CI builds it through ``tests/test_api_docs.py``, where any warning fails the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "api"


def build(out: Path = OUT) -> Path:
    """Write the reference into ``out``; the path of its page for ``searchpod``."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="markdown", footer_text="searchpod")
    pdoc.pdoc("searchpod", "!searchpod.", output_directory=out)
    return out / "searchpod.html"


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
