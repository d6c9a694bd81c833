"""Catalog services: the category tree, product cards, the best offer and click-outs."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.catalog.click_spool import ClickRecord
from marketplace.catalog.clickouts import utm_tags, with_utm
from marketplace.catalog.history import PriceChart, backed_discounts, price_chart
from marketplace.catalog.identity import product_identity
from marketplace.catalog.models import STRONG_BASES, ClickOut, Offer, Product, shown_to_buyers
from marketplace.catalog.pricing import CENT
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError
from marketplace.taxonomy.models import Category, Translated
from marketplace.taxonomy.services import in_subtree
from search_index.params import facet_label, normalize_param, value_label

logger = logging.getLogger(__name__)


class CatalogError(DomainError):
    """A catalog rule was broken."""


class NotFound(CatalogError):
    """The thing asked for does not exist, or buyers may not see it."""


# --- the best offer -----------------------------------------------------------------------


def offer_rank(offer: Offer) -> tuple[bool, bool, Decimal, dt.datetime | None, int]:
    """Return the sort key that orders offers from best to worst.

    Active before withdrawn, in stock before out of stock, then cheapest in the base
    currency, then the longest-standing offer, then the id for a stable order.
    """
    return (not offer.is_active, not offer.available, offer.price_base, offer.created_at, offer.id or 0)


def offer_total_base(offer: Offer) -> Decimal | None:
    """Return price plus delivery in the base currency, or ``None`` when the delivery cost is unknown.

    Delivery is stated in the offer's currency; it is converted at the rate the import used
    for the price.
    """
    if offer.delivery_cost is None:
        return None
    if not offer.price:
        return None  # a price of 0 ("on request") gives no rate to convert the delivery with
    delivery_base = (offer.delivery_cost * offer.price_base / offer.price).quantize(CENT, rounding=ROUND_HALF_UP)
    return offer.price_base + delivery_base


def offer_rank_by_total(offer: Offer) -> tuple[bool, bool, bool, Decimal, dt.datetime | None, int]:
    """Return the sort key by total price: offers whose delivery cost is known first, by price plus delivery.

    An offer whose delivery is unknown cannot be honestly placed among known totals, so it
    follows them, by price; otherwise the same tie-breaks as :func:`offer_rank`.
    """
    total = offer_total_base(offer)
    rank = offer_rank(offer)
    return (rank[0], rank[1], total is None, total if total is not None else offer.price_base, *rank[3:])


def sorted_offers(offers: Iterable[Offer], *, by_total: bool = False) -> list[Offer]:
    """Return the active offers, best first; ``by_total`` ranks by price plus known delivery."""
    return sorted((o for o in offers if o.is_active), key=offer_rank_by_total if by_total else offer_rank)


def best_offer(offers: Iterable[Offer]) -> Offer | None:
    """Return the offer shown as "best" for a product, or ``None`` if none is active.

    Views, the indexer and the CLI all call this one function.
    """
    ranked = sorted_offers(offers)
    return ranked[0] if ranked else None


# --- the category tree --------------------------------------------------------------------


@dataclass
class CategoryNode(Translated):
    """A category with the number of products under it, for browsing."""

    id: int
    name: str
    path: str
    parent_id: int | None
    name_uk: str | None = None
    name_ru: str | None = None
    path_uk: str | None = None
    path_ru: str | None = None
    product_count: int = 0
    children: list[CategoryNode] = field(default_factory=list)


def _live_tree(session: Session) -> dict[int, CategoryNode]:
    """Return the nodes that hold active offers, with their ancestors, counted by product."""
    rows = session.execute(
        select(
            Category.id,
            Category.name,
            Category.path,
            Category.parent_id,
            Category.name_uk,
            Category.name_ru,
            Category.path_uk,
            Category.path_ru,
        )
    ).all()
    nodes = {row.id: CategoryNode(*row) for row in rows}
    counts = session.execute(
        select(Offer.category_id, Offer.product_id).where(shown_to_buyers(), Offer.category_id.is_not(None)).distinct()
    ).all()
    products_under: dict[int, set[int]] = defaultdict(set)
    for category_id, product_id in counts:
        node_id: int | None = category_id
        while node_id is not None and node_id in nodes:
            products_under[node_id].add(product_id)
            node_id = nodes[node_id].parent_id
    live = {node_id: nodes[node_id] for node_id in products_under}
    for node_id, node in live.items():
        node.product_count = len(products_under[node_id])
    for node in sorted(live.values(), key=lambda n: n.name):
        if node.parent_id in live:
            live[node.parent_id].children.append(node)
    return live


def category_tree(session: Session) -> list[CategoryNode]:
    """Return the top-level categories that hold products, each with its live subtree."""
    live = _live_tree(session)
    return sorted((n for n in live.values() if n.parent_id not in live), key=lambda n: n.name)


@dataclass
class CategoryPage:
    """One page of a category: its place in the tree and its products."""

    category: Category
    breadcrumbs: list[Category]
    children: list[CategoryNode]
    products: list[ProductSummary]
    total: int
    page: int
    per_page: int


@dataclass
class ProductSummary:
    """A product as a listing shows it: its best offer, its price range and how many sellers have it."""

    product: Product
    best: Offer
    seller_count: int
    #: The highest price of its active offers, in the base currency ("from best to this").
    highest_price_base: Decimal | None = None
    #: The first picture (:mod:`marketplace.catalog.identity`), shown as a thumbnail once the worker made one.
    picture: str | None = None
    #: A few params, as :func:`key_params` picks them.
    params: list[tuple[str, str]] = field(default_factory=list)


def get_category(session: Session, category_id: int) -> Category:
    """Return the category or raise ``NotFound``."""
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound(_l("There is no category %(id)s.", id=category_id))
    return category


def category_page(session: Session, category_id: int, page: int = 1, per_page: int = 24) -> CategoryPage:
    """Return one page of products in a category and everything below it."""
    category = get_category(session, category_id)
    live = _live_tree(session)
    product_ids_q = (
        select(Offer.product_id).where(shown_to_buyers(), Offer.category_id.in_(in_subtree(category_id))).distinct()
    )
    total = session.scalar(select(func.count()).select_from(product_ids_q.subquery())) or 0
    page_ids = session.scalars(
        product_ids_q.order_by(Offer.product_id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    breadcrumbs = []
    node: Category | None = category
    while node is not None:
        breadcrumbs.append(node)
        node = node.parent
    children = live[category_id].children if category_id in live else []
    return CategoryPage(
        category=category,
        breadcrumbs=list(reversed(breadcrumbs)),
        children=children,
        products=product_summaries(session, page_ids),
        total=total,
        page=page,
        per_page=per_page,
    )


def product_summaries(session: Session, product_ids: Sequence[int]) -> list[ProductSummary]:
    """Return summaries for ``product_ids``, in that order, skipping products with no active offer."""
    if not product_ids:
        return []
    products = session.scalars(
        select(Product).where(Product.id.in_(product_ids)).options(selectinload(Product.offers))
    ).all()
    by_id = {p.id: p for p in products}
    summaries = []
    for product_id in product_ids:
        product = by_id.get(product_id)
        if product is None:
            continue
        active = sorted_offers(product.offers)
        if active:
            identity = product_identity(product.offers)
            summaries.append(
                ProductSummary(
                    product,
                    active[0],
                    len({o.supplier_id for o in active}),
                    highest_price_base=max(o.price_base for o in active),
                    picture=identity.pictures[0] if identity and identity.pictures else None,
                    params=key_params(product.offers),
                )
            )
    return summaries


@dataclass
class ProductCard:
    """Everything the product page shows."""

    product: Product
    offers: list[Offer]
    best: Offer | None
    breadcrumbs: list[Category]


def product_card(session: Session, product_id: int) -> ProductCard:
    """Return the product with every active offer, best first; raise ``NotFound``."""
    product = session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.offers).selectinload(Offer.supplier))
    )
    if product is None:
        raise NotFound(_l("There is no product %(id)s.", id=product_id))
    offers = sorted_offers(product.offers)
    if not offers:
        raise NotFound(_l("Product %(id)s has no offers on sale.", id=product_id))
    breadcrumbs: list[Category] = []
    node = product.category
    while node is not None:
        breadcrumbs.append(node)
        node = node.parent
    return ProductCard(product, offers, offers[0], list(reversed(breadcrumbs)))


# --- the product page ---------------------------------------------------------------------


@dataclass
class SpecRow:
    """One spec merged over offers: its name, and each distinct value with the sellers stating it."""

    name: str
    values: list[tuple[str, list[str]]]

    @property
    def conflicting(self) -> bool:
        return len(self.values) > 1


def _spec_key(text: str) -> str:
    return " ".join(text.split()).rstrip(":").strip().casefold()


def spec_order(offers: Iterable[Offer]) -> list[Offer]:
    """Return the active offers whose params describe the product, strong grouping evidence first.

    Offers with strong evidence (:data:`~marketplace.catalog.models.STRONG_BASES`) are this
    product for certain, so their names, values and order lead; the earliest first, as the
    product's identity reads them. Offers joined by text similarity follow, best first.
    """
    active = [o for o in offers if o.is_active]
    strong = sorted((o for o in active if o.group_basis in STRONG_BASES), key=lambda o: o.id)
    return strong + sorted((o for o in active if o.group_basis not in STRONG_BASES), key=offer_rank)


#: Words in a param's name that make it bookkeeping rather than a property a buyer compares (codes,
#: barcodes, the brand, the condition, the supplier's category, warranty): a listing leaves them out.
_NOT_KEY_PARAM_WORDS = (
    "артикул", "штрих", "код", "sku", "ean", "gtin", "upc", "barcode", "mpn", "article",
    "бренд", "brand", "виробник", "производител", "manufacturer", "vendor",
    "стан", "состояни", "condition", "категор", "category", "гарант", "warranty",
)  # fmt: skip


def key_params(offers: Iterable[Offer], limit: int = 3) -> list[tuple[str, str]]:
    """Return up to ``limit`` (name, value) params for a listing: the first names stated, strong offers first.

    A name stated with different values by different sellers is left out: a listing has no room
    to say who states which (the product page does); so are codes, the brand (the title shows it)
    and the other bookkeeping of :data:`_NOT_KEY_PARAM_WORDS`.
    """
    ordered = spec_order(offers)
    brands = {_spec_key(o.brand) for o in ordered if o.brand}
    keys = []
    for row in merge_specs(ordered, with_sellers=False):
        name_key, value = _spec_key(row.name), row.values[0][0]
        if row.conflicting or _spec_key(value) in brands or any(word in name_key for word in _NOT_KEY_PARAM_WORDS):
            continue
        keys.append((row.name, value))
    return keys[:limit]


def merge_specs(offers: Sequence[Offer], *, with_sellers: bool = True) -> list[SpecRow]:
    """Merge the offers' params: one row per name; differing values are all kept, with who states them.

    Names and values the param table (:mod:`search_index.params`, the one the filters use)
    knows are one row and one value however suppliers spell them ("Діаметр" and "Диаметр",
    "Зимние" and "зимові"), and read in the visitor's language; others are kept as the first
    offer stating them spelt them (units included). Pass the offers in :func:`spec_order`.
    """
    locale = _visitor_locale()
    rows: dict[str, SpecRow] = {}
    value_keys: dict[str, dict[str, int]] = {}
    for offer in offers:
        for param in offer.params or ():
            if not isinstance(param, list | tuple) or len(param) != 2:
                continue
            name, value = (str(part).strip() for part in param)
            key, label, value_key, shown = _spec_param(name, value, locale)
            if not key or not value:
                continue
            row = rows.setdefault(key, SpecRow(label, []))
            seen = value_keys.setdefault(key, {})
            if value_key not in seen:
                seen[value_key] = len(row.values)
                row.values.append((shown, []))
            sellers = row.values[seen[value_key]][1]
            if with_sellers and offer.supplier.name not in sellers:
                sellers.append(offer.supplier.name)
    return list(rows.values())


#: Names suppliers give the brand param; the table of filters leaves the brand out, a spec row shows it.
_BRAND_NAMES = frozenset(("brand", "бренд", "виробник", "производитель", "manufacturer", "vendor", "торгова марка"))


def _spec_param(name: str, value: str, locale: str) -> tuple[str, str, str, str]:
    """Return (row key, row label, value key, value as shown) of one param, for ``locale``."""
    normal = normalize_param(name, value)
    if normal is None:
        key = _spec_key(name)
        if key in _BRAND_NAMES:
            return "brand", str(_l("Brand")), "".join(value.split()).casefold(), value
        label = name.rstrip(":").strip()
        # "28 cm" and "28cm" are the same value.
        return key, label, "".join(value.split()).casefold(), value
    # Numbers keep the seller's spelling ("28 см", not "280 мм"); known words read in the visitor's language.
    shown = value if normal.numeric else value_label(normal.key, normal.value, locale, value)
    return normal.key, facet_label(normal.key, locale, normal.name), f"{normal.value} {normal.unit}", shown


def _visitor_locale() -> str:
    """Return the language of the request being served, English outside one (the CLI, the worker)."""
    return str(get_locale() or "en")


@dataclass
class ProductPage:
    """The product card with everything around it: specs, pictures, the chart and discounts.

    Recommendations beside it are precomputed (:mod:`marketplace.recommendations`).
    """

    card: ProductCard
    #: The offers in the order asked for: by price, or by total with delivery.
    offers: list[Offer]
    by_total: bool
    totals: dict[int, Decimal | None]
    specs: list[SpecRow]
    #: Only from offers with strong grouping evidence (:mod:`marketplace.catalog.identity`).
    pictures: list[str]
    chart: PriceChart | None
    #: ``{offer_id: percent}``, only for discounts the price history backs.
    discounts: dict[int, int]


def product_page(
    session: Session,
    product_id: int,
    *,
    by_total: bool = False,
    reference_days: int = 30,
    chart_days: int = 90,
    now: dt.datetime | None = None,
) -> ProductPage:
    """Return everything the product page shows; raise ``NotFound``."""
    card = product_card(session, product_id)
    assert card.best is not None
    offers = sorted_offers(card.offers, by_total=True) if by_total else card.offers
    identity = product_identity(card.product.offers)
    return ProductPage(
        card=card,
        offers=offers,
        by_total=by_total,
        totals={o.id: offer_total_base(o) for o in card.offers},
        specs=merge_specs(spec_order(card.offers)),
        pictures=list(identity.pictures) if identity else [],
        chart=price_chart(session, product_id, {o.id: o.supplier.name for o in card.offers}, days=chart_days, now=now),
        discounts=backed_discounts(session, card.offers, reference_days=reference_days, now=now),
    )


# --- click-outs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClickOutcome:
    """Where a click-out sends the buyer, and the billable click it recorded, if any."""

    target_url: str
    click: ClickOut | None
    #: Why nothing was recorded: "bot" or "repeat"; ``None`` when the click was recorded.
    skipped: str | None = None


def click_target(session: Session, offer_id: int) -> tuple[Offer, str]:
    """Return an active offer and where its click-out leads: its stored URL with the supplier's UTM tags.

    Nothing from the request can change the target. Raises ``NotFound`` for an offer that is
    gone or withdrawn.
    """
    offer = session.get(Offer, offer_id)
    if offer is None or not offer.is_active:
        raise NotFound(_l("There is no offer %(id)s.", id=offer_id))
    return offer, with_utm(offer.url, utm_tags(offer.supplier))


def record_click(
    session: Session, record: ClickRecord, *, repeat_window: dt.timedelta | None = None
) -> ClickOut | None:
    """Record a person's click-out with the time they clicked; return it, or ``None`` when not recorded.

    A visitor's repeated click on the same offer within ``repeat_window`` is counted once; an
    offer deleted since the click (a late click from the spool) is not recorded either.
    """
    offer = session.get(Offer, record.offer_id)
    if offer is None:
        return None
    if repeat_window and (record.visitor_id or record.user_id):
        who = ClickOut.visitor_id == record.visitor_id if record.visitor_id else ClickOut.user_id == record.user_id
        earlier = session.scalar(
            select(ClickOut.id)
            .where(who, ClickOut.offer_id == offer.id, ClickOut.created_at >= record.clicked_at - repeat_window)
            .limit(1)
        )
        if earlier is not None:
            return None
    source_page, position = record.source_page, record.position
    click = ClickOut(
        offer_id=offer.id,
        supplier_id=offer.supplier_id,
        user_id=record.user_id,
        visitor_id=record.visitor_id,
        source_page=(source_page or None) and source_page[:2000],
        position=position if position is not None and 0 < position < 10_000 else None,
        price_base=offer.price_base,
        target_url=with_utm(offer.url, utm_tags(offer.supplier))[:2000],
        created_at=record.clicked_at,
    )
    session.add(click)
    session.flush()
    logger.info(
        "Click-out %d: visitor %s to offer %d of supplier %d", click.id, record.visitor_id, offer.id, offer.supplier_id
    )
    return click


def record_click_out(
    session: Session,
    offer_id: int,
    *,
    visitor_id: str | None,
    user_id: int | None,
    source_page: str | None,
    position: int | None,
    is_bot: bool = False,
    repeat_window: dt.timedelta | None = None,
) -> ClickOutcome:
    """Record a buyer leaving for the seller's store and return where to send them.

    The target is always the URL stored on the offer, with the supplier's UTM tags; nothing
    from the request can change it. Bots are sent on but not recorded, and a visitor's
    repeated click on the same offer within ``repeat_window`` is counted once.
    """
    _offer, target_url = click_target(session, offer_id)
    if is_bot:
        return ClickOutcome(target_url, None, "bot")
    record = ClickRecord(offer_id, visitor_id, user_id, source_page, position, utcnow())
    click = record_click(session, record, repeat_window=repeat_window)
    return ClickOutcome(target_url, click, None if click else "repeat")
