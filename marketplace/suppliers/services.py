"""Supplier accounts: registration and lookup."""

from __future__ import annotations

import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.domain_errors import DomainError
from marketplace.suppliers.models import ImportRun, Supplier
from marketplace.suppliers.offer_hosts import InvalidHost, parse_hosts

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


class SupplierError(DomainError):
    """A supplier rule was broken; the message is fit to show the user."""


class SupplierNotFound(SupplierError):
    """No supplier has that slug."""


def validate_store_url(url: str) -> str:
    """Return the URL if it is an absolute http(s) URL, else raise ``SupplierError``."""
    url = url.strip()
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
        raise SupplierError(_l("“%(url)s” is not an http:// or https:// address.", url=url))
    return url


def add_supplier(
    session: Session,
    slug: str,
    *,
    name: str,
    store_url: str,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    description: str | None = None,
    currency: str = "UAH",
) -> Supplier:
    """Register a supplier; raise ``SupplierError`` if the slug is taken or malformed."""
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise SupplierError(
            _l("“%(slug)s” is not a valid slug: use lower-case letters, digits and dashes (at most 60).", slug=slug)
        )
    if session.scalar(select(Supplier.id).where(Supplier.slug == slug)) is not None:
        raise SupplierError(_l("A supplier with the slug “%(slug)s” already exists.", slug=slug))
    if not name.strip():
        raise SupplierError(_l("The supplier needs a name."))
    supplier = Supplier(
        slug=slug,
        name=name.strip(),
        store_url=validate_store_url(store_url),
        contact_email=contact_email,
        contact_phone=contact_phone,
        description=description,
        currency=currency.upper(),
    )
    session.add(supplier)
    session.flush()
    logger.info("Registered supplier %s (%d)", slug, supplier.id)
    return supplier


def set_extra_offer_hosts(session: Session, supplier: Supplier, hosts: str) -> list[str]:
    """Allow offer links to ``hosts`` (one per line or comma-separated) besides the store's; return them.

    The next import checks its rows against them (the feed's unchanged rows are read again).
    """
    try:
        parsed = parse_hosts(hosts)
    except InvalidHost as exc:
        raise SupplierError(
            _l("“%(value)s” is not a host name (like shop.example or myshop.prom.ua).", value=str(exc))
        ) from exc
    supplier.extra_offer_hosts = parsed or None
    session.flush()
    logger.info("Offer links of supplier %s may also go to: %s", supplier.slug, ", ".join(parsed) or "nothing else")
    return parsed


def get_supplier(session: Session, slug: str) -> Supplier:
    """Return the supplier with ``slug`` or raise ``SupplierNotFound``."""
    supplier = session.scalar(select(Supplier).where(Supplier.slug == slug))
    if supplier is None:
        raise SupplierNotFound(_l("no supplier has the slug '%(slug)s'", slug=slug))
    return supplier


def list_suppliers(session: Session) -> list[Supplier]:
    """Return every supplier, by name."""
    return list(session.scalars(select(Supplier).order_by(Supplier.name)))


def import_history(session: Session, supplier: Supplier, limit: int = 50) -> list[ImportRun]:
    """Return the supplier's latest import runs, newest first."""
    return list(
        session.scalars(
            select(ImportRun).where(ImportRun.supplier_id == supplier.id).order_by(ImportRun.id.desc()).limit(limit)
        )
    )
