"""Comparing products side by side: a session list, one category, at most four, shareable by URL."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer, Product
from marketplace.suppliers.models import Supplier


def product_of(db_session: Session, sku: str) -> Product:
    offer = db_session.scalar(select(Offer).where(Offer.supplier_sku == sku))
    assert offer is not None
    return offer.product


def test_compare_two_products_of_one_category(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan, knife, stapler = (product_of(db_session, s) for s in ("PAN-28", "KNIFE-20", "OP-2"))
    knife.category_id = pan.category_id
    for offer in knife.offers:
        offer.category_id = pan.category_id
    pan.offers[0].params = [["Diameter", "28 cm"]]
    knife.offers[0].params = [["Blade", "20 cm"]]
    db_session.commit()
    assert "Nothing to compare yet" in client.get("/compare/").get_data(as_text=True)

    # Without JavaScript the form posts and the buyer is back on the product's page, told so.
    response = client.post("/compare/add", data={"product_id": pan.id})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/products/{pan.id}-")
    assert "Added to the comparison (1 of 4)." in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/compare/add", data={"product_id": knife.id})
    client.post("/compare/add", data={"product_id": knife.id})  # twice is once
    html = client.get("/compare/").get_data(as_text=True)
    assert html.count('data-testid="compared-product"') == 2
    assert html.count('data-testid="compared-spec"') == 2 and "28 cm" in html and "20 cm" in html

    refused = client.post("/compare/add", data={"product_id": stapler.id}, follow_redirects=True)
    assert "Only products of one category" in refused.get_data(as_text=True)
    shared = client.get(f"/compare/?ids={pan.id},{knife.id},{stapler.id},x").get_data(as_text=True)
    assert shared.count('data-testid="compared-product"') == 2  # the stapler is of another category

    client.post("/compare/remove", data={"product_id": pan.id})
    assert client.get("/compare/").get_data(as_text=True).count('data-testid="compared-product"') == 1
    client.post("/compare/clear")
    assert "Nothing to compare yet" in client.get("/compare/").get_data(as_text=True)
    assert client.post("/compare/add", data={"product_id": 424242}, follow_redirects=True).status_code == 404


def test_the_pages_script_adds_in_place_with_json(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan, stapler = product_of(db_session, "PAN-28"), product_of(db_session, "OP-2")
    html = client.get(f"/products/{pan.id}", follow_redirects=True).get_data(as_text=True)
    assert "data-compare-add" in html and 'role="status"' in html and "compare-add.js" in html
    as_script = {"Accept": "application/json"}

    response = client.post("/compare/add", data={"product_id": pan.id}, headers=as_script)
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "Added to the comparison (1 of 4).",
        "count": 1,
        "compare_url": "/compare/",
        "link_text": "Open the comparison",
    }
    again = client.post("/compare/add", data={"product_id": pan.id}, headers=as_script).get_json()
    assert (again["message"], again["count"]) == ("Already in the comparison (1 of 4).", 1)
    refused = client.post("/compare/add", data={"product_id": stapler.id}, headers=as_script)
    assert refused.status_code == 409 and "Only products of one category" in refused.get_json()["message"]
    # The flash is not left behind for the next page: the script showed the message already.
    assert "Added to the comparison" not in client.get("/compare/").get_data(as_text=True)
    assert client.get("/compare/").get_data(as_text=True).count('data-testid="compared-product"') == 1


def test_at_most_four_products(client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]) -> None:
    pan = product_of(db_session, "PAN-28")
    others = []
    for i in range(4):
        product = Product(title=f"Pan {i}", category_id=pan.category_id)
        offer = pan.offers[0]
        db_session.add(
            Offer(supplier_id=offer.supplier_id, supplier_sku=f"X-{i}", product=product, category_id=pan.category_id,
                  title=f"Pan {i}", url=offer.url, price=offer.price, currency="UAH", price_base=offer.price_base)
        )  # fmt: skip
        others.append(product)
    db_session.commit()
    for product in [pan, *others]:
        client.post("/compare/add", data={"product_id": product.id})
    html = client.get("/compare/").get_data(as_text=True)
    assert html.count('data-testid="compared-product"') == 4
    assert "Pan 3" not in html


def test_the_brand_shows_once_even_when_offers_state_it_as_a_spec(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan = product_of(db_session, "PAN-28")
    pan.brand = None
    pan.offers[0].params = [["Brand", "Tefal"], ["Diameter", "28 cm"]]
    db_session.commit()
    html = client.get(f"/compare/?ids={pan.id}").get_data(as_text=True)
    assert html.count(">Brand</th>") == 1 and "<td>Tefal</td>" in html
    assert html.count('data-testid="compared-spec"') == 1  # the diameter; the brand has its own row


def test_products_without_a_category_are_not_compared(
    client: FlaskClient, db_session: Session, stocked: dict[str, Supplier]
) -> None:
    pan, knife = product_of(db_session, "PAN-28"), product_of(db_session, "KNIFE-20")
    pan.category_id = knife.category_id = None
    db_session.commit()
    refused = client.post("/compare/add", data={"product_id": pan.id}, follow_redirects=True)
    assert "has no category yet" in refused.get_data(as_text=True)
    html = client.get(f"/compare/?ids={pan.id},{knife.id}").get_data(as_text=True)
    assert 'data-testid="compared-product"' not in html
