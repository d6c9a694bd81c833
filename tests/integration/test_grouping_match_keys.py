"""Imports store what the text matcher derives from each offer; grouping reads it, and derives it again when stale."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.catalog.grouping import MATCHED_FIELDS, match_columns
from marketplace.catalog.models import Offer
from marketplace.suppliers.models import Supplier
from product_matching import MATCHER_VERSION
from tests.support import factories
from tests.support.grouping import import_and_group, product_of

ALPHA = [
    {"sku": "A-1", "name": "Sony Turntable - PSLX350H", "brand": "Sony"},
    {"sku": "A-2", "name": "Cast Iron Griddle", "brand": "Weber", "mpn": "WB-7531"},
    {"sku": "A-3", "name": "Panasonic Corded Phone - KXTS3282B"},
]
BETA = [{"sku": "B-1", "name": "Sony PS-LX350H Belt Drive Turntable", "brand": "Sony"}]


@pytest.fixture
def alpha(db_session: Session) -> Supplier:
    supplier = factories.supplier(db_session, "alpha")
    import_and_group(db_session, supplier, ALPHA)
    return supplier


def _stored(session: Session, supplier: Supplier) -> dict[str, tuple[dict[str, object], dict[str, object]]]:
    """Return each offer's stored match columns beside those derived from its columns now, by sku."""
    offers = session.scalars(select(Offer).where(Offer.supplier_id == supplier.id)).all()
    return {
        offer.supplier_sku: (
            {"match_document": offer.match_document, "match_codes": offer.match_codes,
             "match_version": offer.match_version},
            match_columns(*(getattr(offer, name) for name in MATCHED_FIELDS)),
        )
        for offer in offers
    }  # fmt: skip


def test_an_import_stores_what_the_matcher_derives_and_a_changed_title_derives_it_again(
    db_session: Session, alpha: Supplier
) -> None:
    stored = _stored(db_session, alpha)
    assert stored.keys() == {"A-1", "A-2", "A-3"}
    for kept, fresh in stored.values():
        assert kept == fresh
    assert stored["A-1"][0] == {
        "match_document": "sony turntable pslx350h",
        "match_codes": "pslx350h",
        "match_version": MATCHER_VERSION,
    }
    assert stored["A-2"][0]["match_document"] == "weber cast iron griddle"  # the brand the title lacks
    assert stored["A-2"][0]["match_codes"] == "wb7531"  # the MPN field's code
    assert stored["A-3"][0]["match_codes"] == "kxts3282b"

    import_and_group(db_session, alpha, [{**ALPHA[0], "name": "Sony Turntable PS-LX300USB"}, *ALPHA[1:]])
    db_session.expire_all()
    kept, fresh = _stored(db_session, alpha)["A-1"]
    assert kept == fresh
    assert kept["match_document"] == "sony turntable pslx300usb"


@pytest.mark.parametrize("version", [None, MATCHER_VERSION - 1])
def test_grouping_derives_stale_match_columns_again_and_stores_them(
    db_session: Session, alpha: Supplier, version: int | None
) -> None:
    # As after the upgrade that added the columns, or a change of the matcher's derivation.
    db_session.execute(
        update(Offer)
        .where(Offer.supplier_id == alpha.id)
        .values(match_document="nothing alike", match_codes="zz99999", match_version=version)
    )
    beta = factories.supplier(db_session, "beta")
    import_and_group(db_session, beta, BETA)
    assert product_of(db_session, beta, "B-1") == product_of(db_session, alpha, "A-1")
    db_session.expire_all()
    for kept, fresh in _stored(db_session, alpha).values():
        assert kept == fresh


def test_grouping_reads_the_stored_derivation_of_the_catalog(db_session: Session, alpha: Supplier) -> None:
    """A current stored derivation is trusted, not derived again: what it says is what blocking sees."""
    db_session.execute(
        update(Offer)
        .where(Offer.supplier_id == alpha.id, Offer.supplier_sku == "A-1")
        .values(match_document="unrelated words", match_codes="", match_version=MATCHER_VERSION)
    )
    beta = factories.supplier(db_session, "beta")
    import_and_group(db_session, beta, BETA)
    assert product_of(db_session, beta, "B-1") != product_of(db_session, alpha, "A-1")
    assert db_session.scalar(select(Offer.match_document).where(Offer.supplier_sku == "A-1")) == "unrelated words"
