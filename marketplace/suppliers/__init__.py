"""Supplier accounts, their categories, feeds and import runs."""
