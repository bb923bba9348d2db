"""The import path every segment records for its codec: ``searchpod.codec.PodcastCodec``.

The codec lives in ``searchpod.engine.codec``; this alias keeps existing indexes (and the
on-disk format) unchanged. Moving or removing it would make indexes unreadable.
"""

from searchpod.engine.codec import COMPRESS_FROM, INLINE_MAX, PodcastCodec

__all__ = ["COMPRESS_FROM", "INLINE_MAX", "PodcastCodec"]
