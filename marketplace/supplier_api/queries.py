"""What a supplier's program reads back: its own offers and import runs, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.catalog.models import Offer
from marketplace.suppliers.models import ImportRun, Supplier

T = TypeVar("T")

#: Items per page unless the caller asks for another number, and the most it may ask for.
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a supplier's items, with how many there are in all."""

    items: list[T]
    page: int
    per_page: int
    total: int


def offers_page(
    session: Session, supplier: Supplier, *, page: int, per_page: int, status: str | None = None
) -> Page[Offer]:
    """Return a page of the supplier's offers by their id (``status``: only active or withdrawn ones)."""
    where = [Offer.supplier_id == supplier.id]
    if status is not None:
        where.append(Offer.status == status)
    total = session.scalar(select(func.count()).select_from(Offer).where(*where)) or 0
    query = select(Offer).where(*where).order_by(Offer.id).offset((page - 1) * per_page).limit(per_page)
    return Page(list(session.scalars(query)), page, per_page, total)


def runs_page(session: Session, supplier: Supplier, *, page: int, per_page: int) -> Page[ImportRun]:
    """Return a page of the supplier's import runs, newest first."""
    where = ImportRun.supplier_id == supplier.id
    total = session.scalar(select(func.count()).select_from(ImportRun).where(where)) or 0
    query = select(ImportRun).where(where).order_by(ImportRun.id.desc()).offset((page - 1) * per_page).limit(per_page)
    return Page(list(session.scalars(query)), page, per_page, total)


def own_run(session: Session, supplier: Supplier, run_id: int) -> ImportRun | None:
    """Return the supplier's run ``run_id``, or ``None`` when there is none of theirs."""
    run = session.get(ImportRun, run_id)
    return run if run is not None and run.supplier_id == supplier.id else None
