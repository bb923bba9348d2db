"""The index's field names and weights: one definition shared by the writing side, the
query side and the engine (which builds its schema from them)."""

from __future__ import annotations

# Fields a bare query word searches, with their weight in ranking.
SEARCH_FIELDS = {"title": 1.0, "host": 3.0, "summary": 2.0, "body": 1.0}
