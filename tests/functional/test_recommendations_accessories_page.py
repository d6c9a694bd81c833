"""The product page's "Accessories and complements" row, with each product's reason, and the accessory's "It fits"."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.suppliers.models import Supplier
from marketplace.worker import work_once
from tests.support.recommendations import import_accessories, shop_across_categories


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"RECOMMENDATIONS_INTERVAL": 3600}


def section(html: str, testid: str) -> str:
    assert f'data-testid="{testid}"' in html, testid
    return html[html.index(f'data-testid="{testid}"') :].split("</section>")[0]


def test_the_pan_page_shows_its_lid_and_its_knife_each_with_its_reason(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier
) -> None:
    offers = import_accessories(db_session, supplier)
    shop_across_categories(db_session, offers)
    work_once(app)  # queues the refresh
    work_once(app)  # runs it

    pan = client.get(f"/products/{offers['PAN-HP2800'].product_id}", follow_redirects=True).get_data(as_text=True)
    row = section(pan, "accessories")
    assert "Accessories and complements" in row and "each with the reason it is here" in row
    tiles = row.split('data-testid="product-tile"')[1:]
    assert len(tiles) == 2
    # Surest first: the lid that states it fits this model, then the knife shoppers went for too.
    assert "Кришка скляна" in tiles[0] and "The seller states it fits this model." in tiles[0]
    assert "Ferrum FK-200" in tiles[1] and "Shoppers who went to buy this product went for it too." in tiles[1]
    assert "Tefal" not in row  # an analogue of the same category is no accessory
    # Both visitors also viewed the knife, but a product is shown once, under its sharpest reason.
    assert "Ferrum" not in section(pan, "also-viewed")
    assert 'data-testid="fits"' not in pan

    lid = client.get(f"/products/{offers['LID-28'].product_id}", follow_redirects=True).get_data(as_text=True)
    fits = section(lid, "fits")
    assert "It fits" in fits and "Hartwell HP-2800" in fits
    assert "compatible with these models" in fits
