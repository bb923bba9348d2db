"""Podcast feeds: parse.py reads RSS/Atom and their transcripts; source.py treats feeds as a source."""
