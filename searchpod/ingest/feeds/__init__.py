"""ingest/feeds"""
