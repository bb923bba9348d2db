"""Exact phrases: moved to ``searchpod.engine.phrase`` (the only layer importing Whoosh)."""

from searchpod.engine.phrase import ExactPhrase, exact_phrases

__all__ = ["ExactPhrase", "exact_phrases"]
