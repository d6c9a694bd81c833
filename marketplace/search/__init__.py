"""Keeping the search index in step with the catalog, and searching it."""
