"""Grouping offers into products on import: GTIN, brand + code, text; manual split and merge; the export."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import GroupingDecision, Offer, PriceHistory, Product
from marketplace.catalog.products import GroupingError, live_product, merge_products, split_offer
from marketplace.changes.models import IndexChange
from marketplace.imports.options import ImportOptions
from marketplace.imports.run import import_feed
from marketplace.suppliers.models import Supplier
from tests.support import factories
from tests.support.grouping import import_and_group, price_list, product_of

ALPHA = [
    {"sku": "A-1", "name": "Tefal Ingenio frying pan 24 cm", "brand": "Tefal", "gtin": "3168430262935"},
    {"sku": "A-2", "name": "Bosch PSB 500 RE impact drill", "brand": "Bosch", "mpn": "0603127020"},
    {"sku": "A-3", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
    {"sku": "A-4", "name": "Пральна машина Bosch WAN24260UA, 7 кг", "brand": "Bosch"},
    {"sku": "A-5", "name": "Weber Cast Iron Griddle 7531", "brand": "Weber"},
]
BETA = [
    # The same GTIN, another title.
    {"sku": "B-1", "name": "Сковорода Tefal Ingenio 24см", "brand": "TEFAL", "gtin": "3168430262935"},
    # The same brand and MPN, written differently.
    {"sku": "B-2", "name": "Дриль ударний Bosch", "brand": "BOSCH", "mpn": "0 603 127 020"},
    # Text only: the code inside the title.
    {"sku": "B-3", "name": "Sony PS-LX350H Belt Drive Turntable", "brand": "Sony"},
    {"sku": "B-4", "name": "Стиральная машина BOSCH WAN 24260 UA", "brand": "Bosch"},
    # Nothing in common with anything.
    {"sku": "B-5", "name": "Logitech Harmony One universal remote", "brand": "Logitech"},
]


@pytest.fixture
def alpha(db_session: Session) -> Supplier:
    return factories.supplier(db_session, "alpha")


@pytest.fixture
def beta(db_session: Session) -> Supplier:
    return factories.supplier(db_session, "beta")


@pytest.fixture
def grouped(db_session: Session, alpha: Supplier, beta: Supplier) -> Session:
    import_and_group(db_session, alpha, ALPHA)
    import_and_group(db_session, beta, BETA)
    return db_session


def _groups(session: Session) -> set[frozenset[str]]:
    rows = session.execute(
        select(Offer.product_id, Supplier.slug, Offer.supplier_sku).join(Supplier, Supplier.id == Offer.supplier_id)
    ).all()
    groups: dict[int, set[str]] = {}
    for product_id, slug, sku in rows:
        groups.setdefault(product_id, set()).add(f"{slug}:{sku}")
    return {frozenset(g) for g in groups.values()}


def test_offers_of_two_suppliers_join_by_gtin_brand_code_and_text(grouped: Session) -> None:
    groups = _groups(grouped)
    assert frozenset({"alpha:A-1", "beta:B-1"}) in groups  # GTIN
    assert frozenset({"alpha:A-2", "beta:B-2"}) in groups  # brand + MPN
    assert frozenset({"alpha:A-3", "beta:B-3"}) in groups  # text: the model code
    assert frozenset({"alpha:A-4", "beta:B-4"}) in groups  # text, Cyrillic titles
    assert frozenset({"alpha:A-5"}) in groups and frozenset({"beta:B-5"}) in groups
    # Nothing waits for the matcher any more, and no empty product is left behind.
    assert grouped.scalar(select(func.count()).where(Product.match_pending.is_(True))) == 0
    assert grouped.scalar(select(func.count()).select_from(Product)) == 6


def test_moved_offers_take_their_price_history_and_index_entries_along(grouped: Session, beta: Supplier) -> None:
    b3 = grouped.scalar(select(Offer).where(Offer.supplier_id == beta.id, Offer.supplier_sku == "B-3"))
    assert b3 is not None
    history = grouped.scalars(select(PriceHistory.product_id).where(PriceHistory.offer_id == b3.id)).all()
    assert history and set(history) == {b3.product_id}
    assert grouped.scalar(select(func.count()).where(IndexChange.offer_id == b3.id)) >= 1


def test_a_third_supplier_joins_existing_groups_incrementally(grouped: Session) -> None:
    gamma = factories.supplier(grouped, "gamma")
    before = product_of(grouped, gamma_supplier(grouped, "alpha"), "A-3")
    import_and_group(grouped, gamma, [{"sku": "G-1", "name": "SONY PSLX350H turntable, belt drive", "brand": "Sony"}])
    assert product_of(grouped, gamma, "G-1") == before


def gamma_supplier(session: Session, slug: str) -> Supplier:
    supplier = session.scalar(select(Supplier).where(Supplier.slug == slug))
    assert supplier is not None
    return supplier


def test_one_suppliers_offers_stay_apart_unless_their_gtin_says_otherwise(db_session: Session, alpha: Supplier) -> None:
    import_and_group(
        db_session,
        alpha,
        [
            # Same brand and MPN twice (a kit and a bare tool): two products.
            {"sku": "K-1", "name": "Bosch PSB 500 RE drill", "brand": "Bosch", "mpn": "0603127020"},
            {"sku": "K-2", "name": "Bosch PSB 500 RE drill in a case", "brand": "Bosch", "mpn": "0603127020"},
            # Same title twice: still two products.
            {"sku": "T-1", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
            {"sku": "T-2", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
            # Same GTIN twice: one product.
            {"sku": "G-1", "name": "Tefal Ingenio 24", "gtin": "3168430262935"},
            {"sku": "G-2", "name": "Tefal Ingenio 24 cm", "gtin": "3168430262935"},
        ],
    )
    assert product_of(db_session, alpha, "K-1") != product_of(db_session, alpha, "K-2")
    assert product_of(db_session, alpha, "T-1") != product_of(db_session, alpha, "T-2")
    assert product_of(db_session, alpha, "G-1") == product_of(db_session, alpha, "G-2")


def test_an_offer_a_later_list_adds_stays_apart_from_the_suppliers_older_one(
    db_session: Session, alpha: Supplier
) -> None:
    kit = {"sku": "K-1", "name": "Bosch PSB 500 RE drill", "brand": "Bosch", "mpn": "0603127020"}
    import_and_group(db_session, alpha, [kit])
    import_and_group(
        db_session,
        alpha,
        [kit, {"sku": "K-2", "name": "Bosch PSB 500 RE in a case", "brand": "Bosch", "mpn": "0603127020"}],
    )
    assert product_of(db_session, alpha, "K-1") != product_of(db_session, alpha, "K-2")


def test_brand_and_code_do_not_join_two_different_gtins(db_session: Session, alpha: Supplier, beta: Supplier) -> None:
    import_and_group(
        db_session, alpha, [{"sku": "A", "name": "Pan", "brand": "Tefal", "mpn": "L15004", "gtin": "3168430262935"}]
    )
    import_and_group(
        db_session, beta, [{"sku": "B", "name": "Pan", "brand": "Tefal", "mpn": "L15004", "gtin": "4006381333931"}]
    )
    assert product_of(db_session, alpha, "A") != product_of(db_session, beta, "B")


def test_split_and_merge_survive_a_reimport(grouped: Session, alpha: Supplier, beta: Supplier) -> None:
    # The operator splits the turntable pair and merges the two loners.
    b3 = grouped.scalar(select(Offer).where(Offer.supplier_id == beta.id, Offer.supplier_sku == "B-3"))
    assert b3 is not None
    split_product = split_offer(grouped, b3)
    keep = grouped.get(Product, product_of(grouped, alpha, "A-5"))
    absorb = grouped.get(Product, product_of(grouped, beta, "B-5"))
    assert keep is not None and absorb is not None
    merge_products(grouped, keep, absorb)
    grouped.flush()
    decided = _groups(grouped)
    assert frozenset({"alpha:A-3"}) in decided and frozenset({"beta:B-3"}) in decided
    assert frozenset({"alpha:A-5", "beta:B-5"}) in decided
    assert live_product(grouped, absorb.id) == keep
    assert grouped.scalar(select(func.count()).select_from(GroupingDecision)) == 2

    # Both suppliers import the same lists again, with new prices; one offer drops out and comes back.
    import_and_group(grouped, alpha, [{**row, "price": "120"} for row in ALPHA])
    import_and_group(grouped, beta, [row for row in BETA if row["sku"] != "B-3"])
    import_and_group(grouped, beta, BETA)
    assert _groups(grouped) == decided
    assert product_of(grouped, beta, "B-3") == split_product.id


def test_a_new_offer_does_not_join_an_offer_split_away_from_its_twin(
    grouped: Session, alpha: Supplier, beta: Supplier
) -> None:
    b4 = grouped.scalar(select(Offer).where(Offer.supplier_id == beta.id, Offer.supplier_sku == "B-4"))
    assert b4 is not None
    split_offer(grouped, b4)
    a4_product = product_of(grouped, alpha, "A-4")
    # Beta lists the washing machine under a new id: it is new, so it may join Alpha's again...
    import_and_group(grouped, beta, [*BETA, {"sku": "B-4b", "name": "Стиральная машина BOSCH WAN 24260 UA (2024)"}])
    assert product_of(grouped, beta, "B-4b") == a4_product
    # ...while the offer the operator split off stays where it was put.
    assert product_of(grouped, beta, "B-4") != a4_product


def test_split_and_merge_refuse_what_makes_no_sense(grouped: Session, alpha: Supplier) -> None:
    lonely = grouped.scalar(select(Offer).where(Offer.supplier_id == alpha.id, Offer.supplier_sku == "A-5"))
    assert lonely is not None
    with pytest.raises(GroupingError, match="only one"):
        split_offer(grouped, lonely)
    with pytest.raises(GroupingError, match="itself"):
        merge_products(grouped, lonely.product, lonely.product)


def test_products_export_jsonl(grouped: Session, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["products", "export", "--jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 6
    assert all(set(line) == {"id", "title", "offers"} for line in lines)
    by_offers = {frozenset(tuple(pair) for pair in line["offers"]): line for line in lines}
    pair = by_offers[frozenset({("alpha", "A-3"), ("beta", "B-3")})]
    assert pair["title"] == "Sony Turntable - PSLX350H"
    assert [line["id"] for line in lines] == sorted(line["id"] for line in lines)


def test_products_split_and_merge_commands(grouped: Session, runner: FlaskCliRunner, beta: Supplier) -> None:
    b1 = grouped.scalar(select(Offer.id).where(Offer.supplier_id == beta.id, Offer.supplier_sku == "B-1"))
    result = runner.invoke(args=["products", "split", str(b1)])
    assert result.exit_code == 0, result.output
    new_id = int(result.output.split()[-1])
    old_id = product_of(grouped, gamma_supplier(grouped, "alpha"), "A-1")
    result = runner.invoke(args=["products", "merge", str(old_id), str(new_id)])
    assert result.exit_code == 0, result.output
    assert product_of(grouped, beta, "B-1") == old_id
    result = runner.invoke(args=["products", "merge", str(old_id), str(old_id)])
    assert result.exit_code == 1 and "itself" in result.output


def test_a_plain_import_runs_the_text_matcher_and_a_dry_run_changes_nothing(
    db_session: Session, alpha: Supplier, beta: Supplier
) -> None:
    import_and_group(db_session, alpha, ALPHA)
    products_before = db_session.scalar(select(func.count()).select_from(Product))
    dry = import_feed(
        db_session,
        beta,
        price_list(beta.slug, BETA),
        filename="beta.csv",
        base_currency="UAH",
        rates={"UAH": Decimal(1)},
        options=ImportOptions(dry_run=True),
    )
    assert dry.status == "succeeded"
    assert db_session.scalar(select(func.count()).select_from(Product)) == products_before
    # The real import, with no grouping call of its own: the importer ran rule 3.
    import_and_group(db_session, beta, BETA)
    assert product_of(db_session, alpha, "A-3") == product_of(db_session, beta, "B-3")
    assert db_session.scalar(select(func.count()).where(Product.match_pending.is_(True))) == 0


def test_upc_a_and_ean_13_of_one_gtin_join(db_session: Session, alpha: Supplier, beta: Supplier) -> None:
    import_and_group(db_session, alpha, [{"sku": "U", "name": "Cereal bar box", "gtin": "036000291452"}])
    import_and_group(db_session, beta, [{"sku": "E", "name": "Батончики, коробка", "gtin": "0036000291452"}])
    assert product_of(db_session, alpha, "U") == product_of(db_session, beta, "E")
    # The offers keep the barcode as their supplier wrote it.
    assert set(db_session.scalars(select(Offer.gtin))) == {"036000291452", "0036000291452"}


def test_a_model_name_does_not_join_two_products_of_one_brand(
    db_session: Session, alpha: Supplier, beta: Supplier
) -> None:
    import_and_group(
        db_session, alpha, [{"sku": "P", "name": "Tefal frying pan 28 cm", "brand": "Tefal", "model": "Ingenio"}]
    )
    import_and_group(
        db_session, beta, [{"sku": "S", "name": "Tefal saucepan with lid 16 cm", "brand": "Tefal", "model": "Ingenio"}]
    )
    assert product_of(db_session, alpha, "P") != product_of(db_session, beta, "S")


def test_after_a_split_the_old_product_takes_the_title_of_an_offer_it_still_holds(
    grouped: Session, alpha: Supplier, beta: Supplier
) -> None:
    a3 = grouped.scalar(select(Offer).where(Offer.supplier_id == alpha.id, Offer.supplier_sku == "A-3"))
    assert a3 is not None
    old = a3.product
    assert old.title == "Sony Turntable - PSLX350H"
    split_offer(grouped, a3)
    assert old.title == "Sony PS-LX350H Belt Drive Turntable"
