"""Why a filtered search found nothing: the filter that excludes every episode, named.

"No episodes match 'rust'" misleads when the truth is that no episode has a date to be
"since 2023"; an assistant told ``{"total": 0}`` concludes the show never said the word.
``filter_warnings`` is pure — what the index holds (``Holdings``) and the options in, the
warnings out — so episode and moment searches (and any later rewrite of either) can call
it alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from searchpod.engine.reader import Holdings
from searchpod.options import SearchOptions

# How many names a warning lists before "…".
NAMES_SHOWN = 8
_WORD = re.compile(r"\w+")


def filter_warnings(held: Holdings, options: SearchOptions) -> list[str]:
    """A warning for each filter in ``options`` that no episode of the index can pass."""
    if held.episodes == 0:
        return ["the index holds no episodes yet: add some with 'searchpod index PATH'"]
    out: list[str] = []
    if (options.since or options.until) and held.dates is None:
        out.append("no episode has a date, so the date filter (since/until) excludes them all")
    elif held.dates is not None and (
        (options.since and options.since > held.dates[1])
        or (options.until and options.until < held.dates[0])
    ):
        first, last = held.dates
        out.append(f"no episode is dated in that range (episodes are dated {first}..{last})")
    if options.show and not _any_named(options.show, held.shows):
        out.append(f"no show matches {options.show!r} ({_listing('shows', held.shows)})")
    if options.host and not _any_named(options.host, held.hosts):
        out.append(f"no host matches {options.host!r} ({_listing('hosts', held.hosts)})")
    if options.speaker and not _any_named(options.speaker, held.speakers):
        out.append(f"no speaker named {options.speaker!r} ({_listing('speakers', held.speakers)})")
    if options.episodes is not None:
        wanted = options.episodes
        if held.numbers is None:
            out.append("no episode has a number, so the episode range excludes them all")
        elif wanted.start > held.numbers[1] or wanted.stop - 1 < held.numbers[0]:
            low, high = held.numbers
            out.append(
                f"no episode numbered {wanted.start}..{wanted.stop - 1} "
                f"(episodes are numbered {low}..{high})"
            )
    return out


def has_filters(options: SearchOptions) -> bool:
    return bool(
        options.since
        or options.until
        or options.show
        or options.host
        or options.speaker
        or options.episodes is not None
    )


def _any_named(wanted: str, names: Sequence[str]) -> bool:
    words = set(_WORD.findall(wanted.casefold()))
    return any(words <= set(_WORD.findall(name.casefold())) for name in names)


def _listing(kind: str, names: Sequence[str]) -> str:
    if not names:
        return f"no episode names its {kind[:-1]}"
    shown = ", ".join(sorted(names, key=str.casefold)[:NAMES_SHOWN])
    more = f", and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
    return f"{kind}: {shown}{more}"
