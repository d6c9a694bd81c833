"""Map a supplier's category names onto the category tree by their words: a pure library.

Like ``supplier_feeds`` and ``product_matching`` it imports neither Flask nor the database nor
``marketplace``: it takes the tree as plain rows and names as strings. ``names`` folds and
translates a name (the glossary is data: ``data/glossary.tsv``, ``data/stop_words.txt``), and
``matcher`` scores the tree's nodes, by their English names and, when given them, by Google's
Ukrainian and Russian names.
"""

from taxonomy_matching.matcher import CategoryGuess, TaxonomyMatcher
from taxonomy_matching.names import name_key

__all__ = ["CategoryGuess", "TaxonomyMatcher", "name_key"]
