"""Build the objects most tests need in one call: users, suppliers, products, offers, requests, quotes.

Each factory is a plain function: the session first, then keywords with defaults, so a test
names only what matters to it. It adds what it builds to the session, through the real service
where there is one, and flushes; it never commits: the test owns the transaction.

Not factory_boy: its SQLAlchemy factories keep a session of their own on the class and flush or
commit by their own rule, while our code passes the session explicitly to every service and
commits only at the request and command boundaries (STYLE.md 5 and 6). One way to build a thing:
call a function with the test's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import create_user
from marketplace.buyer_requests.inputs import ItemInput
from marketplace.buyer_requests.models import BuyerRequest, Quote, RequestItem
from marketplace.buyer_requests.publishing import publish_request
from marketplace.buyer_requests.quotes import submit_quote
from marketplace.catalog.models import GroupBasis, Offer, OfferStatus, Product
from marketplace.suppliers.models import Supplier
from marketplace.suppliers.services import add_supplier
from marketplace.taxonomy.models import Category
from tests.support.accounts import PASSWORD


def user(
    session: Session,
    email: str = "user@example.com",
    *,
    role: Role = Role.BUYER,
    password: str = PASSWORD,
    **fields: Any,
) -> User:
    """Create an account through the real service; ``fields`` are display_name, supplier, phone."""
    return create_user(session, email, password, role=role, **fields)


def supplier(session: Session, slug: str = "kitchen-pro", **fields: Any) -> Supplier:
    """Register a supplier whose store is ``https://<slug>.example/`` unless ``fields`` say otherwise."""
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("store_url", f"https://{slug}.example/")
    return add_supplier(session, slug, **fields)


def category_id(session: Session, google_id: int) -> int:
    """Return the id of the seeded category with Google's taxonomy id ``google_id``."""
    found = session.scalar(select(Category.id).where(Category.google_id == google_id))
    assert found is not None, google_id
    return found


def offer(
    session: Session,
    owner: Supplier,
    sku: str = "K1",
    *,
    title: str | None = None,
    price: Decimal | str | int = "500.00",
    product: Product | None = None,
    category_id: int | None = None,
    url: str | None = None,
    status: OfferStatus = OfferStatus.ACTIVE,
    **fields: Any,
) -> Offer:
    """Add ``owner``'s offer ``sku``, priced in UAH, on a product of its own unless ``product`` is given.

    An offer that makes its product is its founder; one put on a given ``product`` records no
    grouping basis unless ``fields`` name one (``group_basis``).
    """
    title = title or f"Knife {sku}"
    if product is None:
        fields.setdefault("group_basis", GroupBasis.FOUNDER)
    amount = Decimal(price)
    made = Offer(
        supplier=owner,
        supplier_sku=sku,
        product=product or Product(title=title),
        title=title,
        url=url or f"{owner.store_url}{sku}",
        price=amount,
        currency="UAH",
        price_base=amount,
        category_id=category_id,
        status=status,
        **fields,
    )
    session.add(made)
    session.flush()
    return made


def many_offers(session: Session, owner: Supplier, count: int) -> None:
    """Insert ``count`` offers of ``owner``, SKU0 to SKU<count - 1>, on one product, in one statement.

    For tests that need a table of some size (the planner's choices), not offers to look at.
    """
    product = Product(title="Pan")
    session.add(product)
    session.flush()
    row = {"supplier_id": owner.id, "product_id": product.id, "title": "Pan", "url": f"{owner.store_url}p"}
    row |= {"price": 10, "currency": "UAH", "price_base": 10}
    session.execute(insert(Offer), [{**row, "supplier_sku": f"SKU{i}"} for i in range(count)])


def item(text: str = "Chef's knife 20 cm", quantity: Decimal | str | int = "10", **fields: Any) -> ItemInput:
    """Return one line of a buyer request, as the buyer types it."""
    return ItemInput(text=text, quantity=Decimal(quantity), **fields)


def buyer_request(
    session: Session,
    buyer: User,
    *,
    title: str = "Knives for a new restaurant",
    items: Sequence[ItemInput] | None = None,
    **fields: Any,
) -> BuyerRequest:
    """Publish a request through the real service: ten chef's knives unless ``items`` say otherwise."""
    return publish_request(session, buyer, title=title, items=[item()] if items is None else items, **fields)


def quote(
    session: Session,
    seller: Supplier,
    line: RequestItem,
    *,
    price: Decimal | str | int = 450,
    currency: str = "UAH",
    **fields: Any,
) -> Quote:
    """Quote on a request's line through the real service, in UAH unless ``currency`` says otherwise."""
    return submit_quote(session, seller, line, price=Decimal(price), currency=currency, **fields)
