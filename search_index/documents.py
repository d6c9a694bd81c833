"""The document the marketplace hands to the index: one supplier's offer, flattened."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OfferDocument:
    """Describe one offer as the search index sees it; built by the marketplace indexer."""

    #: Primary key of the offer; the index's unique key.
    offer_id: int
    #: The product this offer belongs to (several suppliers' offers share one product).
    product_id: int
    #: Supplier slug, e.g. "acme-tools"; filterable and faceted.
    supplier: str
    #: The title shown to buyers, in the feed's main language.
    title: str
    #: The same title in another language (a feed's Ukrainian name): matched and ranked
    #: like the title, never shown, so autocomplete and snippets repeat nothing.
    alt_title: str = ""
    brand: str = ""
    model: str = ""
    #: Manufacturer part number.
    mpn: str = ""
    #: EAN/UPC barcode digits.
    gtin: str = ""
    #: The supplier's own id of the line (its feed's offer id). Found as a code where it
    #: looks like a part number (``analysis.part_number_terms``), never as words.
    sku: str = ""
    #: Plain text, no HTML.
    description: str = ""
    #: The path from the root of the category tree down to the offer's category, so a
    #: filter on any ancestor matches and the category facet can count any tree level.
    category_ids: tuple[int, ...] = ()
    #: Human-readable path, e.g. "Home & Garden > Kitchen > Cookware"; searched as text.
    category_path: str = ""
    #: The same path in Ukrainian and in Russian ("Дім і сад > Кухня > Посуд"), so buyers
    #: find an offer by its category's name in their language. "" where there is none.
    category_path_uk: str = ""
    category_path_ru: str = ""
    #: The supplier's own category path, as its feed names it ("Шины > 13 > Зимние").
    supplier_category_path: str = ""
    #: Parameters flattened to "name value; name value".
    params: str = ""
    #: The same parameters as the feed states them, (name, value) pairs: the param facets
    #: are made of them (``search_index.params``).
    param_pairs: tuple[tuple[str, str], ...] = ()
    #: Price in the marketplace base currency, in minor units (kopecks). Never a float.
    price_minor: int = 0
    in_stock: bool = True
    #: One of ``search_index.query.CONDITIONS``; filterable and faceted.
    condition: str = "new"
    #: When the offer was first listed, in Unix seconds; the "newest" sort uses it.
    created_at: int = 0
    #: When the offer last changed, in Unix seconds; drift checks compare it to the database.
    updated_at: int = 0
