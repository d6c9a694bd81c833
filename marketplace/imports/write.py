"""Stage 4, write: rows in, offers out, in batches of a handful of statements each.

The writer takes the parser's rows one by one, applies the row rules (``validate``),
collects them into batches and writes each batch: one query loads the batch's existing
offers, new ones go in with one bulk INSERT (their products found by ``group``), changed ones
(``compare``) with one bulk UPDATE; unchanged offers are not written and not queued for the
index. Every written offer is queued for reindexing, and its price history recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, insert, select, update
from sqlalchemy.orm import Session

from marketplace.catalog.category_mapping import CategoryMapper
from marketplace.catalog.grouping import MATCHED_FIELDS, match_columns
from marketplace.catalog.history import PriceRecord, record_prices
from marketplace.catalog.identity import NAMING_FIELDS
from marketplace.catalog.models import GroupBasis, Offer, OfferStatus
from marketplace.catalog.pricing import UnknownCurrency, to_base
from marketplace.changes.outbox import queue_reindex
from marketplace.db import by_keys, utcnow
from marketplace.imports.compare import (
    COMPARED_COLUMNS,
    OFFER_FIELDS,
    PRICE_FIELDS,
    compare_offer,
    digest_key,
)
from marketplace.imports.group import BatchMatcher
from marketplace.imports.options import BATCH_SIZE, MAX_PRICE
from marketplace.imports.report import ImportReport
from marketplace.imports.validate import (
    MAX_LENGTHS,
    MAX_SKU,
    MAX_URL_LENGTH,
    ONCE_CODES,
    missing_urls_message,
    price_problem,
    unknown_currency_message,
    zero_price,
)
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.offer_hosts import allowed_hosts, host_of, link_allowed
from supplier_feeds import FeedOffer, FeedUnchanged, FeedUpdate, RowProblem
from supplier_feeds.digests import HeldRows, stored_digest
from supplier_feeds.gtin import normalize_gtin


class OfferWriter:
    """Collect rows into batches and write each batch with a handful of statements."""

    def __init__(
        self,
        session: Session,
        supplier: Supplier,
        report: ImportReport,
        stats: Counter[str],
        rates: Mapping[str, Decimal],
        price_move_percent: Decimal,
        base_currency: str,
        mapping: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.base_currency = base_currency
        self.supplier = supplier
        self.supplier_id = supplier.id
        self.store_url = supplier.store_url
        #: Offer links must name one of these hosts (or a subdomain): the store's and the operator's extras.
        self.link_hosts = allowed_hosts(supplier.store_url, supplier.extra_offer_hosts)
        self.report = report
        self.stats = stats
        self.diff = report.diff
        self.rates = rates
        self.price_move_percent = price_move_percent
        self.categories = CategoryMapper(session, supplier)
        #: Every sku the feed named that was applied (or, for partial feeds, found).
        self.seen: set[str] = set()
        #: Products whose offers changed in what names a product (``NAMING_FIELDS``) or joined them:
        #: named again once the import is grouped. A product an import founds is named after its offer.
        self.renamed: set[int] = set()
        #: Rows this writer rejected itself, so they are not counted twice as read.
        self.rejected_here: set[tuple[int | None, str | None]] = set()
        self._batch: list[Any] = []
        self._batch_skus: set[str] = set()
        #: The parser's zero_price warnings whose row has not arrived yet.
        self._zero_pending: list[RowProblem] = []
        #: Rows skipped for a currency without a rate, per currency.
        self.unknown_currencies: Counter[str] = Counter()
        #: Offers written without an http(s) link of their own.
        self.missing_urls = 0
        #: Stored digests of the supplier's active offers, and the warnings of those that had some.
        self._known: set[int] = set()
        self._warned: dict[int, str] = {}
        self._digest_key: bytes | None = None
        #: The parser's warnings since the last row, and those of each batched row with a digest.
        self._warnings: list[RowProblem] = []
        self._batch_warnings: dict[str, list[list[str | None]]] = {}
        #: The withdrawal guard's threshold (percent), and the live offers it is measured against.
        self.withdraw_guard: Decimal | None = None
        self.live_before = 0

    # -- rows the feed repeats unchanged -------------------------------------------------

    def load_digests(self) -> bool:
        """Read the digests of the supplier's active offers; return whether there are any."""
        # Core rows, not ORM ones: this reads every active offer of the supplier.
        # The warnings stay JSON text until their row comes unchanged, and are decoded then,
        # while the parser reads on: decoding them all here delayed the parse, and held
        # them all decoded (in the bench feed an offer in three has one).
        rows = self.session.connection().execute(
            select(Offer.feed_digest, cast(Offer.feed_warnings, Text))
            .where(
                Offer.supplier_id == self.supplier_id,
                Offer.status == OfferStatus.ACTIVE,
                Offer.feed_digest.is_not(None),
            )
            .execution_options(yield_per=10_000)
        )
        for digest, warnings in rows:
            assert digest is not None  # the query asks for stored digests only
            self._known.add(digest)
            if warnings:
                self._warned[digest] = warnings
        return bool(self._known)

    def digest_key(self) -> bytes:
        """Return the key for stored digests: the facts of this import that shape an offer beyond its row.

        Taken once, when the first row arrives: by then a YML feed's categories are mapped.
        """
        if self._digest_key is None:
            self.session.flush()  # categories new in this feed get their ids
            self._digest_key = digest_key(
                base_currency=self.base_currency,
                rates=self.rates,
                store_url=self.store_url,
                link_hosts=self.link_hosts,
                mapping=self.mapping,
                categories=(
                    (external_id, category.id, category.category_id)
                    for external_id, category in self.categories.existing.items()
                ),
            )
        return self._digest_key

    def stored_digest(self, digest: bytes) -> int:
        """Return the ``Offer.feed_digest`` of a row with the parser's ``digest`` in this import."""
        return stored_digest(digest, self.digest_key())

    def held_rows(self) -> HeldRows:
        """Return the rows active offers were read from, for the parser (``parse_feed(known=...)``).

        The parser holds them from now on, maybe in another process: this writer lets go.
        """
        held, self._known = self._known, set()
        return HeldRows(self.digest_key(), held)

    def keep(self, row: FeedUnchanged) -> None:
        """Count a row the parser skipped as unchanged, and report the warnings it had last time."""
        self._settle_zero_prices(None)
        self._warnings.clear()
        if row.sku in self.seen or row.sku in self._batch_skus:
            # The parser reads a repeated id in full; this only guards the bookkeeping.
            self._reject(row, "duplicate_sku", f"The id {row.sku!r} appears more than once.", "sku", row.sku)
            return
        self.seen.add(row.sku)
        self.stats["unchanged"] += 1
        if not self._warned:
            return
        warnings = self._warned.get(self.stored_digest(row.digest))
        if warnings is None:
            return
        for code, field_name, value, message in json.loads(warnings):
            self.report.add(
                RowProblem(code, "warning", message, row.line, row.sku, field_name, value), once=code in ONCE_CODES
            )
            if code == "missing_url":
                self.missing_urls += 1

    def note_warning(self, problem: RowProblem) -> None:
        """Keep a warning of the parser's until its row arrives, to store it with the offer."""
        if problem.severity == "warning":
            self._warnings.append(problem)

    def _take_warnings(self, row: FeedOffer | FeedUpdate) -> list[list[str | None]]:
        """Return the parser's warnings of ``row`` (it yields them just before the row)."""
        mine = [
            [p.code, p.field, p.value, p.message]
            for p in self._warnings
            if (p.line == row.line if row.line is not None else p.sku == row.sku)
        ]
        self._warnings.clear()
        return mine

    # -- rows in -----------------------------------------------------------------------

    def add(self, row: FeedOffer | FeedUpdate) -> None:
        warnings = self._take_warnings(row)
        zero_noted = self._settle_zero_prices(row)
        if not row.sku or len(row.sku) > MAX_SKU:
            self._reject(row, "invalid_sku", f"The offer id must have 1 to {MAX_SKU} characters.", "sku", row.sku)
            return
        if row.sku in self.seen or row.sku in self._batch_skus:
            self._reject(
                row,
                "duplicate_sku",
                f"The id {row.sku!r} appears more than once; only the first row with this id was used.",
                "sku",
                row.sku,
            )
            return
        if row.price is not None and not self._sane_price(row, zero_noted):
            return
        if isinstance(row, FeedOffer) and row.price is None:
            self._reject(row, "missing_price", "The row has no price.", "price", None)
            return
        self._batch.append(row)
        self._batch_skus.add(row.sku)
        if isinstance(row, FeedOffer) and row.digest is not None:
            self._batch_warnings[row.sku] = warnings
        if len(self._batch) >= BATCH_SIZE:
            self.flush()

    def note_zero_price(self, problem: RowProblem) -> None:
        """Keep the parser's zero_price warning until its row shows whether it is an offer or an update."""
        self._zero_pending.append(problem)

    def _settle_zero_prices(self, row: FeedOffer | FeedUpdate | None) -> bool:
        """Report pending zero prices; return whether one belongs to ``row``.

        The parser warns before it yields the row. A warning whose row never comes (the
        parser rejected it, e.g. as a duplicate) is reported as the full-feed error.
        """
        mine = False
        for problem in self._zero_pending:
            if row is not None and (problem.line, problem.sku) == (row.line, row.sku):
                mine = True
            else:
                self.reject_zero_price(problem.line, problem.sku, problem.value)
        self._zero_pending.clear()
        return mine

    def _sane_price(self, row: FeedOffer | FeedUpdate, zero_noted: bool) -> bool:
        price = row.price
        assert price is not None
        problem = price_problem(price)
        if problem is not None:
            self._reject(row, "invalid_price", problem, "price", str(price))
            return False
        if price == 0:
            if isinstance(row, FeedUpdate):
                # Applied: the stock still changes, and the offer stops showing a price (see _update_values).
                self.report.add(zero_price(row.line, row.sku, "0", update=True))
                return True
            self.reject_zero_price(row.line, row.sku, "0")
            # Read by the writer: not to be counted again among the rows the parser skipped.
            self.rejected_here.add((row.line, row.sku or None))
            return False
        return True

    def reject_zero_price(self, line: int | None, sku: str | None, value: str | None) -> None:
        """Report a full-feed row priced 0 ("price on request"), which is not published."""
        self.report.add(zero_price(line, sku, value, update=False))

    def finish(self) -> None:
        """Report what is left at the end of the file, and say how many rows the once-listed problems stand for."""
        self._settle_zero_prices(None)
        if self.unknown_currencies:
            self.report.amend_once("unknown_currency", unknown_currency_message(self.unknown_currencies))
        if self.missing_urls > 1:
            written = self.stats["created"] + self.stats["updated"] + self.stats["unchanged"]
            self.report.amend_once("missing_url", missing_urls_message(self.missing_urls, written))

    def _reject(self, row: Any, code: str, message: str, field_name: str, value: str | None) -> None:
        problem = RowProblem(code, "error", message, row.line, row.sku or None, field_name, value)
        self.report.add(problem)
        self.rejected_here.add((problem.line, problem.sku))

    # -- batches out -------------------------------------------------------------------

    def flush(self) -> None:
        batch, self._batch, self._batch_skus = self._batch, [], set()
        batch_warnings, self._batch_warnings = self._batch_warnings, {}
        if not batch:
            return
        session = self.session
        dialect = session.get_bind().dialect
        current_rows = select(
            Offer.id,
            Offer.supplier_sku,
            Offer.product_id,
            Offer.status,
            Offer.hidden_at,
            Offer.feed_digest,
            Offer.feed_warnings,
            *COMPARED_COLUMNS,
        ).where(Offer.supplier_id == self.supplier_id)
        existing = {
            row.supplier_sku: row
            for row in session.execute(by_keys(dialect, current_rows, Offer.supplier_sku, [r.sku for r in batch]))
        }
        inserts: list[tuple[dict[str, Any], Any, GroupBasis]] = []
        updates: list[dict[str, Any]] = []
        #: Offers whose row changed only in ways that do not show (its digest): not "changed".
        bookkeeping: list[dict[str, Any]] = []
        touched: list[int] = []
        repriced: list[PriceRecord] = []
        # First pass: each row's new values; categories met for the first time get ids in one flush.
        prepared: list[tuple[Any, dict[str, Any]]] = []
        for row in batch:
            current = existing.get(row.sku)
            if isinstance(row, FeedOffer):
                values = self._values(row, batch_warnings.get(row.sku))
            elif current is None:
                self.report.add(
                    RowProblem(
                        "unknown_sku",
                        "warning",
                        "The update names an offer that is not in your catalog; it was ignored. "
                        "Upload your full price list to add new offers.",
                        row.line,
                        row.sku,
                        "sku",
                        row.sku,
                    )
                )
                self.stats["unknown"] += 1
                continue
            else:
                values = self._update_values(row, current)
            if values is not None:
                prepared.append((row, values))
        if any(v.get("_supplier_category") is not None and v["_supplier_category"].id is None for _, v in prepared):
            session.flush()
        new_rows = [row for row, _ in prepared if row.sku not in existing]
        matcher = BatchMatcher(session)
        if new_rows:
            matcher.preload(new_rows)
        for row, values in prepared:
            category = values.pop("_supplier_category", None)
            if category is not None:
                values["supplier_category_id"] = category.id
            hide = values.pop("_hide", False)
            current = existing.get(row.sku)
            if current is None:
                with session.no_autoflush:
                    product, basis = matcher.product_for(
                        title=values["title"],
                        brand=values["brand"],
                        model=values["model"],
                        mpn=values["mpn"],
                        gtin=row.gtin,
                        category_id=values["category_id"],
                    )
                inserts.append((values, product, basis))
                self.seen.add(row.sku)
                continue
            self.seen.add(row.sku)
            status = self._status_after(row, current, hide)
            change = compare_offer(
                row.sku, values, current, status, diff=self.diff, price_move_percent=self.price_move_percent
            )
            digest = {name: values.get(name) for name in ("feed_digest", "feed_warnings")}
            if change is None:
                self.stats["unchanged"] += 1
                stored = (current.feed_digest, current.feed_warnings)
                if isinstance(row, FeedOffer) and stored != (digest["feed_digest"], digest["feed_warnings"]):
                    bookkeeping.append({"id": current.id, **digest})
                continue
            changes, moved = change
            if status == OfferStatus.WITHDRAWN and current.status == OfferStatus.ACTIVE:
                # A partial row priced 0: hidden like an offer a full feed no longer lists.
                self.stats["withdrawn"] += 1
                self.diff._keep("withdrawn", {"sku": row.sku, "title": values["title"]})
            else:
                self.stats["updated"] += 1
            # An update's row is not the full row: read that in full again next time.
            updates.append({"id": current.id, **changes, **digest, "status": status, "updated_at": utcnow()})
            if MATCHED_FIELDS & changes.keys():
                updates[-1].update(
                    match_columns(*(changes.get(name, getattr(current, name)) for name in MATCHED_FIELDS))
                )
            touched.append(current.id)
            if status != current.status or not NAMING_FIELDS.isdisjoint(changes):
                self.renamed.add(current.product_id)
            if moved:
                merged = {name: changes.get(name, getattr(current, name)) for name in PRICE_FIELDS | {"price_base"}}
                repriced.append(
                    PriceRecord(
                        id=current.id,
                        product_id=current.product_id,
                        is_active=status == OfferStatus.ACTIVE,
                        **merged,
                    )
                )
        # Supplier categories and changes to found products go in one flush; the batch's new
        # products in one INSERT (not one ORM object and statement each).
        session.flush()
        matcher.insert_new()
        if inserts:
            rows = []
            for values, product, basis in inserts:
                if basis != GroupBasis.FOUNDER:
                    self.renamed.add(product.id)
                matched = match_columns(*(values[name] for name in MATCHED_FIELDS))
                rows.append(
                    {
                        **values,
                        **matched,
                        "product_id": product.id,
                        "supplier_id": self.supplier_id,
                        "group_basis": basis,
                    }
                )
            # A plain executemany (the driver's C loop), then one query for the new ids.
            session.execute(insert(Offer.metadata.tables[Offer.__tablename__]), rows)
            created = select(Offer.supplier_sku, Offer.id).where(Offer.supplier_id == self.supplier_id)
            ids: dict[str, int] = dict(
                session.execute(
                    by_keys(dialect, created, Offer.supplier_sku, [row["supplier_sku"] for row in rows])
                ).all()
            )
            for row in rows:
                offer_id = ids[row["supplier_sku"]]
                touched.append(offer_id)
                repriced.append(
                    PriceRecord(
                        id=offer_id,
                        product_id=row["product_id"],
                        price=row["price"],
                        currency=row["currency"],
                        price_base=row["price_base"],
                        old_price=row["old_price"],
                        available=row["available"],
                    )
                )
                self.diff._keep(
                    "new", {"sku": row["supplier_sku"], "title": row["title"], "price": str(row["price"]),
                            "currency": row["currency"]}
                )  # fmt: skip
            self.stats["created"] += len(rows)
        if updates:
            # SQLAlchemy sends one executemany per run of consecutive rows that set the same
            # columns: a repriced offer between two restocked ones would cost a round trip each.
            updates.sort(key=lambda row: (sorted(row), row["id"]))
            session.execute(update(Offer), updates)
        if bookkeeping:
            session.execute(update(Offer), bookkeeping)
        queue_reindex(session, touched)
        record_prices(session, repriced)

    def _values(self, row: FeedOffer, warnings: list[list[str | None]] | None) -> dict[str, Any] | None:
        """Return the offer's columns for ``row``; ``warnings`` (the parser's, when it has a digest) grows."""
        assert row.price is not None  # add() rejects price-less offers
        if row.digest is not None:
            self.digest_key()  # before this row's category is looked up, as when rows are skipped
        if row.url and len(row.url) > MAX_URL_LENGTH:
            # Cut, the link would lead nowhere: the row is refused instead.
            self._reject(
                row,
                "url_too_long",
                f"The link is {len(row.url)} characters long; links of up to {MAX_URL_LENGTH} characters are kept. "
                "Shorten it (drop tracking parameters) to publish the offer.",
                "url",
                row.url[:200],
            )
            return None
        price_base = self._price_base(row, row.price, row.currency)
        if price_base is None:
            return None
        url = row.url if row.url and row.url.lower().startswith(("http://", "https://")) else None
        if url is not None and not link_allowed(url, self.link_hosts):
            # /go/ redirects to the stored link: only to the supplier's own store.
            self._reject(
                row,
                "foreign_url",
                f"The link leads to {host_of(url) or url!r}, which is not your store's site "
                f"({', '.join(sorted(self.link_hosts)) or '-'}). Buyers are only sent to your own store; "
                "ask the operator to allow another site of yours.",
                "url",
                url[:200],
            )
            return None
        if url is None:
            self.missing_urls += 1
            problem = RowProblem(
                "missing_url",
                "warning",
                "The row has no http(s) link to your store; buyers are sent to your store's home page.",
                row.line,
                row.sku,
                "url",
                row.url,
            )
            self.report.add(problem, once=True)
            if warnings is not None:
                warnings.append([problem.code, problem.field, problem.value, problem.message])
            url = self.store_url
        supplier_category = self.categories.for_offer(row)
        old_price = row.old_price if row.old_price is not None and 0 < row.old_price < MAX_PRICE else None
        delivery = row.delivery_cost if row.delivery_cost is not None and 0 <= row.delivery_cost < MAX_PRICE else None
        values: dict[str, Any] = {
            "supplier_sku": row.sku,
            "title": row.title,
            "title_uk": row.title_uk,
            "description": row.description,
            "description_uk": row.description_uk,
            "condition": row.condition,
            "google_category": row.google_category,
            "item_group_id": row.item_group_id,
            "recs": list(row.recs),
            "delivery_cost": delivery,
            "brand": row.brand,
            "model": row.model,
            "gtin": normalize_gtin(row.gtin) or None,
            "mpn": row.mpn,
            "url": url,
            "pictures": list(row.pictures),
            "params": [list(p) for p in row.params],
            "price": row.price,
            "currency": row.currency,
            "price_base": price_base,
            "old_price": old_price,
            "available": row.available,
            "stock_quantity": row.stock_quantity,
            "category_id": supplier_category.category_id if supplier_category else None,
            "supplier_category_id": supplier_category.id if supplier_category else None,
            "_supplier_category": supplier_category,
            "feed_digest": None if row.digest is None else self.stored_digest(row.digest),
            "feed_warnings": warnings or None,
        }
        for name, limit in MAX_LENGTHS.items():
            if isinstance(values[name], str) and len(values[name]) > limit:
                values[name] = values[name][:limit]
        return values

    def _price_base(self, row: FeedOffer | FeedUpdate, price: Decimal, currency: str) -> Decimal | None:
        """Return ``price`` in the base currency, or reject the row and return ``None``."""
        try:
            price_base = to_base(price, currency, self.rates)
        except UnknownCurrency:
            self.unknown_currencies[currency] += 1
            problem = RowProblem(
                "unknown_currency",
                "error",
                f"No exchange rate is known for {currency}; add it to <currencies> or ask the operator.",
                row.line,
                row.sku,
                "currency",
                currency,
            )
            # One listed problem for the file: its message says how many rows it skipped.
            self.report.add(problem, once=True)
            self.rejected_here.add((problem.line, problem.sku))
            return None
        if price_base >= MAX_PRICE:
            self._reject(row, "invalid_price", "The price is too large.", "price", str(price))
            return None
        if price_base <= 0:
            # A tiny feed rate would make the offer cost 0.00 and so every product's "best" offer.
            self._reject(
                row,
                "invalid_price",
                f"The price {price} {currency} is 0.00 in {self.base_currency} at the feed's exchange rate; "
                "check the rate in <currencies>.",
                "price",
                str(price),
            )
            return None
        return price_base

    def _update_values(self, row: FeedUpdate, current: Any) -> dict[str, Any] | None:
        """Return the offer's values with what a partial row changes; ``None`` if rejected.

        A price of 0 keeps the last real price (for the history) and hides the offer:
        ``"_hide"`` is set for ``flush``.
        """
        values = {name: getattr(current, name) for name in OFFER_FIELDS}
        if row.price == 0:
            values["_hide"] = True
        elif row.price is not None:
            currency = row.currency or current.currency
            price_base = self._price_base(row, row.price, currency)
            if price_base is None:
                return None
            values.update(price=row.price, currency=currency, price_base=price_base)
            if row.old_price is not None:
                values["old_price"] = row.old_price if 0 < row.old_price < MAX_PRICE else None
        if row.available is not None:
            values["available"] = row.available
        if row.stock_quantity is not None:
            values["stock_quantity"] = row.stock_quantity
            if row.available is None:
                values["available"] = row.stock_quantity > 0
        return values

    def _status_after(self, row: FeedOffer | FeedUpdate, current: Any, hide: bool) -> OfferStatus:
        """Decide an existing offer's status: a full feed shows it; an update never brings one back.

        An offer an operator hid stays withdrawn whatever the feed says, until the operator shows it.
        """
        if current.hidden_at is not None:
            return OfferStatus.WITHDRAWN
        if isinstance(row, FeedOffer):
            return OfferStatus.ACTIVE
        if hide:
            return OfferStatus.WITHDRAWN
        if current.status != OfferStatus.ACTIVE:
            self.report.add(
                RowProblem(
                    "withdrawn_sku",
                    "warning",
                    "The update names an offer that is withdrawn (it was missing from your last full price list, "
                    "or had price 0). Its price and stock were updated, but it stays hidden; upload your full "
                    "price list to show it again.",
                    row.line,
                    row.sku,
                    "sku",
                    row.sku,
                )
            )
        return OfferStatus(current.status)
