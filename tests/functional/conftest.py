"""Fixtures shared by the functional tests of the buyer-request API.

Modules that need their buyer or sellers set up otherwise (other names, contact details)
define fixtures of the same names, which take precedence over these.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from marketplace.accounts.models import Role, User
from marketplace.accounts.services import create_user
from marketplace.suppliers.models import Supplier
from tests.conftest import PASSWORD


@pytest.fixture
def shopper(db_session: Session) -> User:
    """Return a buyer."""
    return create_user(db_session, "olena@example.com", PASSWORD, role=Role.BUYER, display_name="Olena")


@pytest.fixture
def sellers(db_session: Session, stocked: dict[str, Supplier]) -> dict[str, User]:
    """Return a member of each stocked supplier, by supplier slug."""
    return {
        slug: create_user(db_session, f"sales@{slug}.example", PASSWORD, role=Role.SUPPLIER, supplier=supplier)
        for slug, supplier in stocked.items()
    }
