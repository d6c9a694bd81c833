"""The import pipeline: a supplier's price list becomes offers, in named stages read top to bottom.

A floor above catalog/ and suppliers/ (it writes offers for suppliers) and below search/.

- ``uploads``   store an uploaded file, queue its run (``columns`` first maps a table's columns);
- ``jobs``      the worker's side, and the only module here that commits: claim a run, fetch a
                feed URL, run the import, commit it with its report;
- ``run``       one import, top to bottom, in one savepoint, dispatching each parsed item:
  1. ``parse``     the file into rows (a large file in a child process);
  2. ``validate``  the row rules and their messages (a zero price, an absurd price, a link);
  3. ``compare``   digests of unchanged rows, then field by field: what changed;
  4. ``write``     batches of rows into offers, their price history and index changes;
  5. ``group``     each new offer's product (GTIN, brand and code; the text matcher after);
  6. ``withdraw``  offers a full list no longer names, behind the withdrawal guard;
  7. ``report``    every problem by row and code, and the diff;
- ``feeds``     suppliers' feed URLs and their schedule; ``lock``,
                ``progress``, ``options``: what the stages share.
"""
