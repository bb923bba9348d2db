"""Transcript files: detect.py picks the parser; one module per format; cues.py what they share."""
