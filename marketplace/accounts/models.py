"""User accounts."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, created_at, intpk, str255

if TYPE_CHECKING:
    # Accounts sit on the ground floor, below suppliers: a user names the Supplier model by
    # its registry name only (see ``supplier`` below), never by a runtime import.
    from marketplace.suppliers.models import Supplier


class Role(enum.StrEnum):
    """What a user may do."""

    BUYER = "buyer"
    SUPPLIER = "supplier"  #: a member of one supplier's team
    ADMIN = "admin"


class User(UserMixin, Base):
    """A person who logs in: a buyer, a supplier's member or an operator."""

    __tablename__ = "users"

    id: Mapped[intpk]
    #: Stored lower-cased, so that lookups need no functional index.
    email: Mapped[str255] = mapped_column(unique=True)
    password_hash: Mapped[str255]
    display_name: Mapped[str255]
    role: Mapped[Role] = mapped_column(String(20))
    #: Set for supplier members only.
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    #: Part of every session's and remember token's identity: raising it (a password change,
    #: "log out everywhere", a reset) ends every session made before.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: When the owner followed the link we mailed to ``email``; ``None`` while unconfirmed.
    email_verified_at: Mapped[dt.datetime | None]
    #: The language ("en", "uk", "ru") the owner registered in or last picked on the site; mail to
    #: them is written in it. ``None``: not known, mail uses the site's default language.
    locale: Mapped[str | None] = mapped_column(String(5))
    #: Marketing mail (the operator's campaigns): off until the owner ticks the box on their account
    #: page; when and where they last said yes or no (``account``, ``unsubscribe``).
    marketing_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    marketing_consent_at: Mapped[dt.datetime | None]
    marketing_consent_source: Mapped[str | None] = mapped_column(String(20))

    supplier: Mapped[Supplier | None] = relationship("Supplier")

    @property
    def is_active(self) -> bool:  # type: ignore[override]  # flask-login reads a property
        return self.active

    def get_id(self) -> str:
        """Return the identity Flask-Login keeps in the session: the id bound to the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supplier(self) -> bool:
        return self.role == Role.SUPPLIER and self.supplier_id is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
