"""The real rezina13 price list's params (Сезон, Год, Страна) become the tyre category's facets."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import sync_index
from marketplace.search.services import search_offers
from marketplace.taxonomy.models import Category
from search_index import SearchQuery
from tests.support.realfeeds import REZINA13_GROUPS, import_real_feed, map_groups

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def test_rezina13_tyres_get_season_year_and_country_facets(
    app: Flask, db_session: Session, shared_data: Path, admin: User
) -> None:
    supplier = import_real_feed(app, db_session, shared_data, "rezina13.kharkiv.1c.xls")
    map_groups(db_session, supplier, REZINA13_GROUPS, admin)
    db_session.commit()
    sync_index(db_session, get_index(app))
    tyres = db_session.scalars(select(Category.id).where(Category.google_id == 911)).one()

    page = search_offers(db_session, get_index(app), SearchQuery(category_id=tyres, by_product=False), locale="uk")
    facets = {facet.key: facet for facet in page.params}
    assert {"season", "year", "country"} <= set(facets), list(facets)
    assert facets["season"].label == "Сезон" and facets["country"].label == "Країна виробництва"
    seasons = {option.value: option.count for option in facets["season"].options}
    assert {"winter", "summer"} <= set(seasons), seasons
    assert facets["year"].numeric and facets["year"].low is not None and facets["year"].high is not None
    assert 2000 <= float(facets["year"].low) < float(facets["year"].high) <= 2030

    # Choosing winter finds exactly the winter tyres the facet counted.
    winter = search_offers(
        db_session,
        get_index(app),
        SearchQuery(category_id=tyres, by_product=False, params=(("season", ("winter",)),)),
        locale="uk",
    )
    assert winter.total == seasons["winter"] < page.total
    # A range of years narrows further, and every facet still counts within the winter tyres.
    newest = float(facets["year"].high)
    recent = search_offers(
        db_session,
        get_index(app),
        SearchQuery(
            category_id=tyres,
            by_product=False,
            params=(("season", ("winter",)),),
            param_ranges=(("year", newest, None),),
        ),
        locale="uk",
    )
    assert 0 < recent.total < winter.total
