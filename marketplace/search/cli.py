"""``traderow search`` and ``traderow index``."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.catalog.pricing import to_minor
from marketplace.changes.outbox import index_lag
from marketplace.db import get_session
from marketplace.search.forms import parse_amount, parse_number
from marketplace.search.index_runtime import get_index
from marketplace.search.indexer import active_offer_count, check_index, fix_drift, writes_with_the_catalog
from marketplace.search.jobs import rebuild_index, sync_index
from marketplace.search.services import search_offers
from search_index import CONDITIONS, SearchIndex, SearchQuery

_SORTS = ("relevance", "price_asc", "price_desc", "newest", "total")


class Amount(click.ParamType):
    """A non-negative amount of money, read as the search form reads it ("1499,99" too), as a Decimal."""

    name = "amount"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        amount = parse_amount(str(value))
        if amount is None:
            self.fail(f"{value!r} is not an amount (write it like 1500 or 1499,99)", param, ctx)
        return amount


def _params(pairs: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Read ``--param season=winter`` options into ``SearchQuery.params`` (a key repeated: any of its values)."""
    chosen: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="'--param'")
        chosen.setdefault(key.strip(), []).append(value.strip())
    return tuple((key, tuple(values)) for key, values in chosen.items())


def _ranges(pairs: tuple[str, ...]) -> tuple[tuple[str, float | None, float | None], ...]:
    """Read ``--param-range power=500:2000`` options (either end may be empty) into ``SearchQuery.param_ranges``."""
    ranges = []
    for pair in pairs:
        key, sep, bounds = pair.partition("=")
        low_text, colon, high_text = bounds.partition(":")
        low = parse_number(low_text) if low_text.strip() else None
        high = parse_number(high_text) if high_text.strip() else None
        bad = (low_text.strip() and low is None) or (high_text.strip() and high is None)
        if not sep or not colon or not key.strip() or bad or (low is not None and high is not None and low > high):
            raise click.BadParameter(f"{pair!r} is not KEY=LOW:HIGH (low up to high)", param_hint="'--param-range'")
        ranges.append((key.strip(), None if low is None else float(low), None if high is None else float(high)))
    return tuple(ranges)


def _count(n: int, noun: str) -> str:
    """Return ``"1 offer"`` or ``"2 offers"``: the CLI speaks English only."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _minor(amount: Decimal | None) -> int | None:
    return to_minor(amount) if amount is not None else None


@click.command("search")
@click.argument("query", default="")
@click.option("--min-price", type=Amount(), default=None, help="In the base currency.")
@click.option("--max-price", type=Amount(), default=None, help="In the base currency.")
@click.option("--supplier", "suppliers", multiple=True, help="A supplier slug; repeat for several.")
@click.option("--brand", "brands", multiple=True, help="A brand (any case); repeat for several.")
@click.option("--category", type=click.IntRange(min=1), default=None, help="A category id; its subtree matches.")
@click.option("--in-stock", is_flag=True, help="Only offers in stock.")
@click.option("--condition", "conditions", multiple=True, type=click.Choice(CONDITIONS))
@click.option("--param", "params", multiple=True, help="A param facet's value, KEY=VALUE (season=winter); repeat.")
@click.option("--param-range", "param_ranges", multiple=True, help="A numeric param facet's range, KEY=LOW:HIGH.")
@click.option("--sort", type=click.Choice(_SORTS), default="relevance", show_default=True)
@click.option("--offers", "raw_offers", is_flag=True, help="List every offer instead of one row per product.")
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def search_command(
    query: str,
    min_price: Decimal | None,
    max_price: Decimal | None,
    suppliers: tuple[str, ...],
    brands: tuple[str, ...],
    category: int | None,
    in_stock: bool,
    conditions: tuple[str, ...],
    params: tuple[str, ...],
    param_ranges: tuple[str, ...],
    sort: str,
    raw_offers: bool,
    page: int,
    limit: int,
    as_json: bool,
) -> None:
    """Search every supplier's offers for QUERY (empty: browse with the filters)."""
    if min_price is not None and max_price is not None and min_price > max_price:
        raise click.BadParameter(f"{min_price} is above --max-price {max_price}", param_hint="'--min-price'")
    result = search_offers(
        get_session(),
        get_index(),
        SearchQuery(
            text=query,
            min_price_minor=_minor(min_price),
            max_price_minor=_minor(max_price),
            suppliers=suppliers,
            brands=brands,
            category_id=category,
            in_stock=True if in_stock else None,
            conditions=conditions,
            params=_params(params),
            param_ranges=_ranges(param_ranges),
            sort=sort,
            by_product=not raw_offers,
            page=page,
            per_page=limit,
        ),
    )
    results = result.results
    currency = current_app.config["BASE_CURRENCY"]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "total": results.total,
                    "offer_total": results.offer_total,
                    "relaxed": results.relaxed,
                    "suggestion": results.suggestion,
                    "corrected": results.corrected,
                    # Price buckets by their label in currency units ("250–500"); the others by value.
                    "facets": {
                        name: {(option.label if name == "price" else option.value): option.count for option in options}
                        for name, options in result.facets.items()
                    },
                    # With --category: the param facets, by key, as values -> counts or a [min, max] range.
                    "params": {
                        facet.key: [facet.low, facet.high]
                        if facet.numeric
                        else {option.value: option.count for option in facet.options}
                        for facet in result.params
                    },
                    "offers": [
                        {
                            "id": h.offer.id,
                            "product_id": h.offer.product_id,
                            "title": h.offer.title,
                            "product_title": h.offer.product.title,
                            "supplier": h.offer.supplier.slug,
                            "price": str(h.offer.price),
                            "currency": h.offer.currency,
                            "price_base": str(h.offer.price_base),
                            "offer_count": len(h.offers),
                            "seller_count": h.seller_count,
                        }
                        for h in result.hits
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if results.corrected:
        click.echo(f"Nothing matches {query!r}; showing results for {results.suggestion!r}.")
    elif results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}?")
    if results.relaxed:
        click.echo("No offer has every word; showing offers with any of them.")
    if raw_offers:
        click.echo(f"{_count(results.total, 'offer')} found")
    else:
        click.echo(f"{_count(results.offer_total, 'offer')} found, {_count(results.total, 'product')}")
    for hit in result.hits:
        sellers = "" if raw_offers else f"  [{_count(hit.seller_count, 'seller')}]"
        # A product row is named as every page names the product; an offer row by its own title.
        title = hit.offer.title if raw_offers else hit.offer.product.title
        click.echo(f"{hit.offer.price_base:>12} {currency}  {hit.offer.supplier.slug:<20} {title}{sellers}")
    for hint in result.relax:
        click.echo(f"Without the {hint.name} filter: {hint.total} found")


@click.group()
def index() -> None:
    """Maintain the search index."""


@index.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Build a fresh index from the database beside the live one, then swap it in."""
    session = get_session()
    with click.progressbar(length=active_offer_count(session), label="Rebuilding the index", file=sys.stderr) as bar:
        written = rebuild_index(session, get_index(), progress=bar.update)
    click.echo(f"Index rebuilt: {written} offers")


@index.command("sync")
@with_appcontext
def sync_command() -> None:
    """Apply the queued index changes now (what the worker does continuously)."""
    click.echo(f"Offers indexed: {sync_index(get_session(), get_index())}")


@index.command("check")
@click.option(
    "--fix", is_flag=True, help="Queue every drifting offer for the worker to re-index (PostgreSQL: re-index it now)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def check_command(fix: bool, as_json: bool) -> None:
    """Report offers missing from, stale in, or extra in the index, and the queue not yet applied.

    Exits with status 1 when the index drifts (and --fix was not given), when a queued
    change is stuck (queued longer than TRADEROW_READY_INDEX_LAG_SECONDS), or when the
    write lock is held by a process that outlived its holder.
    """
    session = get_session()
    index_ = get_index()
    drift = check_index(session, index_)
    lag = index_lag(session, current_app.config["READY_INDEX_LAG_SECONDS"])
    # Whoosh's lock is a file a dead process can leave held; PostgreSQL's advisory locks end with their session.
    lock = index_.lock_holder() if isinstance(index_, SearchIndex) else None
    queued = 0
    if fix and not drift.clean:
        queued = fix_drift(session, drift)
        session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "engine": index_.engine,
                    "active": drift.active,
                    "indexed": drift.indexed,
                    "pending": drift.pending,
                    "stuck": lag.stuck,
                    "oldest_pending_seconds": None if lag.oldest_seconds is None else round(lag.oldest_seconds, 1),
                    "stuck_after_seconds": lag.stuck_after,
                    "missing": drift.missing,
                    "stale": drift.stale,
                    "extra": drift.extra,
                    "outdated": index_.is_outdated(),
                    "lock": None if lock is None else {"held": lock.held, "pid": lock.pid, "holder_alive": lock.alive},
                    "queued": queued,
                },
                indent=2,
            )
        )
    else:
        click.echo(f"Search engine: {index_.engine}")
        click.echo(f"Active offers in the database: {drift.active}; documents in the index: {drift.indexed}")
        if writes_with_the_catalog(index_) and lag.caught_up:
            click.echo("The index is written in the catalog's own transactions: nothing is queued.")
        elif lag.caught_up:
            click.echo("Queued for the index writer: 0")
        else:
            click.echo(
                f"Queued for the index writer: {lag.pending}, the oldest for {lag.oldest_seconds or 0:.0f} s; "
                f"stuck (queued over {lag.stuck_after:.0f} s): {lag.stuck}"
            )
        if lock is not None and lock.stale:
            click.echo(
                f"Write lock: held, but its holder (pid {lock.pid or 'not recorded'}) is gone: a process that "
                "inherited its descriptor holds it; the next writer takes it over."
            )
        elif lock is not None and lock.held:
            click.echo(f"Write lock: held by pid {lock.pid}")
        if index_.is_outdated():
            click.echo("The index was built with an older schema: run `traderow index rebuild`.")
        for label, ids in (("missing", drift.missing), ("stale", drift.stale), ("extra", drift.extra)):
            sample = ", ".join(map(str, ids[:10])) + (" …" if len(ids) > 10 else "")
            click.echo(f"{label.capitalize()}: {len(ids)}" + (f" ({sample})" if ids else ""))
        if queued and writes_with_the_catalog(index_):
            click.echo(f"Re-indexed {queued} offers.")
        elif queued:
            click.echo(f"Queued {queued} offers; the worker (or `traderow index sync`) will repair them.")
        elif drift.clean and lag.caught_up:
            click.echo("The index matches the database.")
        elif drift.clean and not lag.stuck:
            click.echo("No drift beyond the queued changes, which the worker has yet to apply.")
        if lag.stuck:
            click.echo(f"{_count(lag.stuck, 'change')} stuck: is `traderow worker` running? Its log says why it fails.")
    if (not drift.clean and not fix) or lag.stuck or (lock is not None and lock.stale):
        sys.exit(1)
