"""Reads of the catalog: tax in force, event snapshots, search, listings and their cache keys."""
