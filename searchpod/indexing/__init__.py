"""The write side: episodes to documents, update planning, worker builds, commits, the index folder."""
