"""Request parameters to ``SearchOptions`` for ``Index.search``/``Index.moments``: one adapter.

The web page and the API take the same parameters as the CLI's options (``q``, ``limit``,
``page``, ``sort``, ``host``, ``show``, ``speaker``, ``since``, ``until``, ``episode``,
``fuzzy``, ``facets``; ``mode`` for ``--all``/``--any``: ``auto``, ``all`` or ``any``). Everything arrives as text; this is the one place it is checked and
converted (by the library's own ``SearchOptions.parse``), so when the library's options
change type only this function changes. A mistake names the parameter as the CLI's flag
(``--since``), as the parameters are the flags' names.
"""

from __future__ import annotations

from collections.abc import Mapping

from searchpod.errors import OptionError, QueryError
from searchpod.options import (
    MAX_QUERY_CHARS,
    REQUEST_MAX_LIMIT,
    REQUEST_MAX_PAGE,
    SearchOptions,
    Sort,
    in_flags,
)

MAX_PARAM_CHARS = 200
TEXT_OPTIONS = ("host", "show", "speaker", "since", "until", "episode")
FLAGS = ("fuzzy", "facets")


def search_arguments(params: Mapping[str, str]) -> tuple[str, SearchOptions]:
    """``(query, options)`` for ``Index.search`` from request parameters.

    Empty values count as absent (an empty filter box in a form). Raises QueryError,
    naming the parameter, for a value out of bounds.
    """
    query = params.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(query[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters")
    limit = _number(params, "limit", 10, REQUEST_MAX_LIMIT)
    page = _number(params, "page", 1, REQUEST_MAX_PAGE)
    text: dict[str, str | None] = {}
    for name in TEXT_OPTIONS:
        value = (params.get(name) or "").strip()
        if len(value) > MAX_PARAM_CHARS:
            raise QueryError(
                value[:40] + "…", f"{name} is longer than {MAX_PARAM_CHARS} characters"
            )
        text[name] = value or None
    flags = {name: _flag(params, name) for name in FLAGS}
    try:
        options = SearchOptions.parse(
            limit=limit,
            page=page,
            sort=params.get("sort") or Sort.RELEVANCE,
            host=text["host"],
            show=text["show"],
            speaker=text["speaker"],
            since=text["since"],
            until=text["until"],
            episodes=text["episode"],
            facets=flags["facets"],
            fuzzy=flags["fuzzy"],
            mode=params.get("mode") or "auto",
        )
    except OptionError as exc:
        raise in_flags(exc) from None
    return query, options


def _number(params: Mapping[str, str], name: str, default: int, most: int) -> int:
    value = params.get(name) or ""
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= most:
        raise OptionError(name, value[:40], f"must be a whole number from 1 to {most}")
    return int(value)


def _flag(params: Mapping[str, str], name: str) -> bool:
    value = (params.get(name) or "").lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise QueryError(value[:40], f"{name} must be true or false")
