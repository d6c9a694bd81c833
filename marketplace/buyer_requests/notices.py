"""What notifications about a request need: the link to its page and whom to tell at a supplier."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.buyer_requests.models import BuyerRequest


def request_path(buyer_request: BuyerRequest | int, anchor: str | None = None) -> str:
    """Return the site path of a request's page, for notifications and the API."""
    request_id = buyer_request if isinstance(buyer_request, int) else buyer_request.id
    return f"/requests/{request_id}" + (f"#{anchor}" if anchor else "")


def supplier_members(session: Session, supplier_ids: Iterable[int]) -> list[User]:
    """Return the team members of the suppliers ``supplier_ids``, whom a notice to a supplier goes to."""
    ids = list(supplier_ids)
    if not ids:
        return []
    query = select(User).where(User.supplier_id.in_(ids), User.role == Role.SUPPLIER).order_by(User.id)
    return list(session.scalars(query))
