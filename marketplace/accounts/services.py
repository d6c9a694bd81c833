"""Accounts: creating users and checking their passwords."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts.models import Role, User
from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8


class AccountError(Exception):
    """An account rule was broken; the message is fit to show the user."""


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: Role,
    display_name: str | None = None,
    supplier: Supplier | None = None,
    phone: str | None = None,
) -> User:
    """Create a user; raise ``AccountError`` for a taken email, a short password or a bad role."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise AccountError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if role == Role.SUPPLIER and supplier is None:
        raise AccountError("a supplier member must belong to a supplier")
    if role != Role.SUPPLIER and supplier is not None:
        raise AccountError("only supplier members belong to a supplier")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"an account with {email} already exists")
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        display_name=(display_name or email.split("@")[0]).strip()[:255],
        role=role,
        supplier=supplier,
        phone=phone,
    )
    session.add(user)
    session.flush()
    logger.info("Created %s account %s (%d)", role, email, user.id)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with this email and password, or ``None``."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """Return the user with ``user_id``, or ``None``."""
    return session.get(User, user_id)
