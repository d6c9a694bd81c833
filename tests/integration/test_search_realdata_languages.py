"""Issue 19's steps on the real rezina13 price list: its 1,752 tyres are found in uk, ru and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalog.models import Offer, OfferStatus
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.search.services import search_offers
from marketplace.taxonomy.models import Category
from search_index import SearchQuery
from tests.support.realfeeds import REZINA13_GROUPS, import_real_feed, map_groups

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture
def tyres(app: Flask, db_session: Session, shared_data: Path, admin: User) -> int:
    """Import rezina13 (Kharkiv), map its groups as an operator would, index; return the tyres' count."""
    supplier = import_real_feed(app, db_session, shared_data, "rezina13.kharkiv.1c.xls")
    map_groups(db_session, supplier, REZINA13_GROUPS, admin)
    db_session.commit()
    sync_index(db_session, get_index(app))
    count = db_session.scalar(
        select(func.count(Offer.id))
        .join(Category, Category.id == Offer.category_id)
        .where(Category.google_id == 911, Offer.status == OfferStatus.ACTIVE)
    )
    assert count is not None and count > 1_000
    return count


def found(app: Flask, session: Session, text: str) -> tuple[int, list[Offer], str | None]:
    page = search_offers(session, get_index(app), SearchQuery(text=text, per_page=20))
    return page.results.total, [hit.offer for hit in page.hits], page.results.suggestion


def test_the_tyres_are_found_in_uk_ru_and_en(app: Flask, db_session: Session, tyres: int) -> None:
    """One import for every check: the feed takes a while to import, map and index."""
    tyre_category = db_session.scalars(select(Category.id).where(Category.google_id == 911)).one()
    for word in ("шина", "шини", "шины", "tyres", "tires", "резина", "покрышки"):
        total, offers, suggestion = found(app, db_session, word)
        assert total >= tyres and suggestion is None, word
        assert all(offer.category_id == tyre_category for offer in offers), word

    # A size narrows them down.
    total, offers, _ = found(app, db_session, "шини 205/55 r16")
    assert 0 < total < 50 and all("205/55 R16" in offer.title for offer in offers)

    # "5 Аккумуляторы" is mapped to nothing; its titles ("BOSCH 85Ah-12v") never say "battery".
    total, offers, _ = found(app, db_session, "аккумулятор")
    assert total > 10 and all(offer.category_id is None for offer in offers)
