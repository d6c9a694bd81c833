"""Recommend items from what visitors looked at together: sessions of (session, item, time) clicks.

A pure library, like ``product_matching``: it knows nothing of the database or the web. The app
feeds it clicks (``marketplace/recommendations/jobs.py``) and stores what it returns; the bench
(``bench/recommend.py``) feeds it a click log and scores it.

- :class:`~recommendations.sessionknn.SessionKNN` is the recommender the product page uses: the
  vector-multiplication session kNN (VSKNN) of Ludewig & Jannach 2018, with the neighbours' age
  and the items' popularity as optional dampers. Given a product alone it is "people who viewed
  this also viewed" (co-visitation over the recent sessions that hold the product).
- :mod:`~recommendations.baselines` holds the two baselines anyone can compute: the most popular
  items and plain item-to-item co-occurrence counts.
- :mod:`~recommendations.complements` finds complements: products of other categories clicked
  out in the same visits by at least two visitors, more often than chance, with the same time
  decay and popularity damping.
- :mod:`~recommendations.clicks` reads a click log and orders sessions by time.
"""
