"""Operators' pages: one module per concern, each with its own blueprint under ``/admin``."""
