"""Buyer requests (reverse search) and suppliers' quotes.

Named ``buyer_requests`` rather than ``requests`` so that nothing in the app can be
mistaken for, or shadow, the ``requests`` HTTP library that ``supplier_feeds`` uses.

The services, one concern a module: ``errors``, ``access`` (who may see and do what),
``inputs`` (checking what people type), ``history`` (the recorded changes), ``notices``
(links and recipients of notifications), ``matching`` (the live catalog and matched
suppliers), ``queries`` (reading requests), ``publishing`` (the request's life from draft
to closed or expired), ``quotes``, ``thread`` (messages on a quote) and ``awarding``.
``views``, ``api`` and ``forms`` are the interface above them.
"""
