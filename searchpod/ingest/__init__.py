"""From files and downloads to Episode objects: sources, safe reading, decoding; pages/, transcripts/, feeds/."""
