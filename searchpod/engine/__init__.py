"""The engine layer: the only part of searchpod that imports Whoosh.

Everything above it (ingest, update planning, ranking, snippets, rendering, the CLI)
works with searchpod's own types; these modules turn them into Whoosh calls and turn
Whoosh's exceptions into searchpod's.
"""
