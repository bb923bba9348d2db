"""The read side's policy: what a search means (search.py), relaxing, ranking, snippets, moments."""
