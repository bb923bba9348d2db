"""The network: HTTP downloads with a cache (fetch.py), and which addresses they may reach (hostguard.py)."""
