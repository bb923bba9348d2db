"""ingest/transcripts"""
