"""ingest/pages"""
