"""Buyer requests (reverse search) and suppliers' quotes.

Named ``buyer_requests`` rather than ``requests`` so that nothing in the app can be
mistaken for, or shadow, the ``requests`` HTTP library that ``supplier_feeds`` uses.
"""
