"""The supplier API: a supplier's own systems push offers and manage price lists over ``/api/v1/supplier``.

A domain on the trade floor, above the import pipeline it feeds:

- ``batches``      a pushed batch of offers (or of price and stock changes) through the import pipeline;
- ``idempotency``  pushes answered once per ``Idempotency-Key``;
- ``models``       the stored answers of those keys;
- ``api``          the routes (bearer tokens only), documented in ``openapi.yaml`` beside them.

Tokens are the accounts' personal API tokens (:mod:`marketplace.accounts.tokens`).
"""
