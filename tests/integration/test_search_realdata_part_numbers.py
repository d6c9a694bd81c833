"""Issue 18: a Mopar dealer's part numbers, which are its offer ids, are found however they are typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.search.services import search_offers
from marketplace.suppliers.models import Supplier
from search_index import SearchQuery
from tests.support.realfeeds import import_real_feed

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture
def mopar(app: Flask, db_session: Session, shared_data: Path) -> Supplier:
    """Import the header-less Mopar price list (brand; part number as id; price; stock; name) and index it."""
    supplier = import_real_feed(app, db_session, shared_data, "avtopro-mopar.noheader.csv")
    db_session.commit()
    sync_index(db_session, get_index(app))
    return supplier


def skus(app: Flask, session: Session, text: str) -> list[str]:
    page = search_offers(session, get_index(app), SearchQuery(text=text, per_page=20))
    return [hit.offer.supplier_sku for hit in page.hits]


def test_the_part_number_in_the_offer_id_is_found_in_any_punctuation(
    app: Flask, db_session: Session, mopar: Supplier
) -> None:
    # The title ("Радиатор кондиционера новий оригінал Chrysler") does not repeat the part number.
    for text in ("68377850AA", "68377850-AA", "68377850 AA", "6837 7850aa", "chrysler 68377850aa"):
        assert skus(app, db_session, text) == ["68377850AA"], text
    # Another row's part number with a two-letter revision, and a parts maker's own code.
    assert skus(app, db_session, "55038003-ag") == ["55038003AG"]
    assert skus(app, db_session, "zx 1405") == ["ZX1405"]
