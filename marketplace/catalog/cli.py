"""``traderow products``: export the grouping, run the text matcher, split and merge by hand."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from marketplace.catalog.grouping import match_pending
from marketplace.catalog.models import Offer, Product
from marketplace.catalog.products import GroupingError, export_products, merge_products, split_offer
from marketplace.db import get_session


@click.group()
def products() -> None:
    """Products: the groups of offers buyers compare."""


@products.command("export")
@click.option("--jsonl", is_flag=True, required=True, help="One JSON object per line (the only format).")
@with_appcontext
def export_command(jsonl: bool) -> None:
    """Print every product with offers: its id, title and offers as [supplier slug, supplier_sku]."""
    for product in export_products(get_session()):
        click.echo(json.dumps(product.as_json(), ensure_ascii=False))


@products.command("match")
@with_appcontext
def match_command() -> None:
    """Run the text matcher over products still waiting for it (every real import already does)."""
    session = get_session()
    merged, examined = match_pending(session)
    session.commit()
    click.echo(f"Text matching: {examined} pending products examined, {merged} merged")


@products.command("split")
@click.argument("offer_id", type=int)
@with_appcontext
def split_command(offer_id: int) -> None:
    """Move offer OFFER_ID out of its product into one of its own, for good."""
    session = get_session()
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise click.ClickException(f"No offer {offer_id}.")
    try:
        product = split_offer(session, offer)
    except GroupingError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Offer {offer_id} is now product {product.id}")


@products.command("merge")
@click.argument("keep_id", type=int)
@click.argument("absorb_id", type=int)
@with_appcontext
def merge_command(keep_id: int, absorb_id: int) -> None:
    """Move every offer of product ABSORB_ID into product KEEP_ID, for good."""
    session = get_session()
    keep, absorb = session.get(Product, keep_id), session.get(Product, absorb_id)
    if keep is None or absorb is None:
        raise click.ClickException(f"No product {keep_id if keep is None else absorb_id}.")
    try:
        merge_products(session, keep, absorb)
    except GroupingError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Product {absorb_id} merged into product {keep_id}")
