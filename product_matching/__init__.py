"""Match offers that describe the same thing by their text: titles, brands and model codes.

The third grouping rule, after a valid GTIN and brand plus MPN (``marketplace/catalog/grouping.py``). It knows
nothing of the database: it takes :class:`MatchText` records and returns the pairs of
groups (products) that should become one.

The method, in the order it runs:

1. **Normalise** every title: Unicode NFKC, case-folded, accents stripped, punctuation inside
   a token dropped, so that "AB-12C345", "ab 12c345"'s code and "AB12C345" meet.
2. **Model codes**: tokens mixing letters and digits ("SX10", "MB470LL/A"), long digit runs
   (part numbers) and adjacent upper-case code parts joined ("EOS 40D" -> "eos40d"); sizes
   and measures ("2.0", "500GB", "1080p") are not codes.
3. **Blocking**: only records that share a rare word or code are compared, so the work grows
   with the number of plausible pairs rather than with the square of the catalog.
4. **Scoring**: cosine of character n-gram TF-IDF vectors (robust to spelling and word
   order), plus the best model-code agreement (1 for the same code, a fraction for a code
   that extends the other, such as a colour suffix).
5. **One-to-one**: pairs are taken best first; a group may hold at most one offer of each
   source (supplier), so two offers of one supplier never meet through text. This "unique
   mapping" step is what keeps precision high: a record's best partner that is already taken
   by a better pair is not given a worse one.
6. **Conflicting measures** veto: two records whose titles both state a measure of one kind
   (tyre size, rim, length, inches, volume, weight, power, voltage, charge, storage, pieces;
   :data:`MEASURE_KINDS`) and share no value of it are never joined, nor are two groups any of
   whose offers conflict so. Siblings of a product line differ exactly there while their titles
   agree on brand, line and model name; a value only one title states is no conflict.
7. **Conflicting brands** veto: two records that both state a brand (the brand field, a brand
   of the catalog their title starts with, or the first Latin word of a Cyrillic title) are never
   joined when no stated brand agrees and neither title names the other's
   (:func:`offers_brands_conflict`): many tyres share "155/70 R13 75T" and a winter line name,
   and nothing else; "Сковорода Fiskars All Steel Frying Pan 28 см" is no Hartwell pan.
8. **Conflicting codes** veto: two records that each state a model or part number (title, MPN or
   vendorCode, a model param) that nothing in the other agrees with, of one series, are never
   joined (:func:`codes.codes_conflict`): ELPLP12 is no ELPLP13. Codes are compared as codes, so a
   vendor prefix ("VER97255" / "97255") or a retailer's colour marker is no conflict.
9. **Conflicting colours** veto: two records that both state colours and share none
   (:mod:`colours`).

Vetoes 6 to 9 are read together (:mod:`vetoes`), pair by pair and over whole groups.

10. **Near misses**: pairs likely one product that lack the evidence to be joined, and that no fact
    vetoes, are reported best first with the evidence for and against (:mod:`review`), for an
    operator's review queue.

The measure veto applies to rule 2 (brand and code) as well, not to rule 1. A valid GTIN names one
trade item, so a title that disagrees with it is a typo. A brand and code pair does not: feeds
often send a code that the sizes of one line share (a model code such as "SM-A546B" for every
memory size of a phone, or a tyre pattern's code for every size), so a code match whose titles
state conflicting measures is most likely another variant, and precision comes first
(``grouping.ProductMatcher.product_for``).

Precision comes first: a wrong merge shows buyers someone else's price. The threshold asks
for half of the text to agree when no code agrees, and for some text agreement even when
codes do. Below it, a pair whose text agrees by a third still joins when each of its two
records prefers the other clearly over every other product it was compared with (a mutual
best with a margin): a lone clear winner is a twin, a crowd of near-equal ones is a family of
variants or nothing at all. Codes come from the title and the code fields, or from the
description when those name none.

scikit-learn and SciPy are imported inside the functions that need them: the web process
never pays for them.

A pure library, like ``supplier_feeds``: it imports neither Flask nor the database nor
``marketplace``, so ``bench/matching.py`` and the unit tests run it on plain records. Its
modules, in the order above: ``codes`` (1, 2), ``blocking`` (3), ``matcher`` (4, 5),
``measures`` (6), ``brands`` (7), ``codes`` (8), ``colours`` (9), ``vetoes`` (6 to 9 together),
``groups`` (the union-find of 5), ``review`` (10), and ``records`` (what goes in and comes out).
``compatibility`` reads the same codes for another purpose: the accessories whose compatibility
params name a product's model (the product page's recommendations, not grouping).
``keys`` derives what 1 to 3 read of a record (its document, codes and blocking keys) in one place,
so that the app can store it with the offer (:data:`keys.MATCHER_VERSION`) and grouping a
newcomer does not derive a whole catalog's keys again.
"""

from product_matching.brands import brands_conflict, offers_brands_conflict, stated_brands
from product_matching.codes import code_similarity, extract_codes, is_code, normalize_code, normalize_title
from product_matching.keys import MATCHER_VERSION, derive, pack_codes, stored
from product_matching.matcher import TextMatcher
from product_matching.measures import extract_measures, measures_conflict
from product_matching.records import Against, Derived, MatchText, Merge, NearMiss

__all__ = [
    "MATCHER_VERSION",
    "Against",
    "Derived",
    "MatchText",
    "Merge",
    "NearMiss",
    "TextMatcher",
    "brands_conflict",
    "code_similarity",
    "derive",
    "extract_codes",
    "extract_measures",
    "is_code",
    "measures_conflict",
    "normalize_code",
    "normalize_title",
    "offers_brands_conflict",
    "pack_codes",
    "stated_brands",
    "stored",
]
