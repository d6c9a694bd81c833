"""Accounts: creating users, checking and changing their passwords, confirming their addresses."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.credentials import (
    LinkPurpose,
    end_all_sessions,
    find_mail_link,
    issue_mail_link,
)
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import WeakPassword, check_password, check_password_policy, hash_password
from marketplace.db import utcnow
from marketplace.domain_errors import DomainError

if TYPE_CHECKING:
    # Only a type: accounts sit below suppliers (see accounts/models.py).
    from marketplace.suppliers.models import Supplier

logger = logging.getLogger(__name__)

#: How long a password-reset link works.
RESET_LINK_LIFETIME = dt.timedelta(hours=1)
#: How long an email-verification link works.
VERIFY_LINK_LIFETIME = dt.timedelta(days=7)


class AccountError(DomainError):
    """An account rule was broken; the message is fit to show the user."""


class EmailTaken(AccountError):
    """An account with that email exists; never shown as such on the web, where it would tell who is registered."""


class PasswordRejected(AccountError):
    """The password breaks the policy; the message says why, in the reader's language."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


class LinkInvalid(AccountError):
    """A mailed link is unknown, used, expired or for an address the account no longer has."""


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    role: Role,
    display_name: str | None = None,
    supplier: Supplier | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> User:
    """Create a user, who reads mail in ``locale`` (``None``: the default language).

    Raise ``AccountError``: ``EmailTaken``, ``PasswordRejected``, or a bad address or role.
    """
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise AccountError(_l("“%(email)s” is not an email address.", email=email))
    try:
        check_password_policy(password, email=email, name=display_name or "")
    except WeakPassword as exc:
        raise PasswordRejected(exc.message) from exc
    if role == Role.SUPPLIER and supplier is None:
        raise AccountError(_l("A supplier member must belong to a supplier."))
    if role != Role.SUPPLIER and supplier is not None:
        raise AccountError(_l("Only supplier members belong to a supplier."))
    # Hashed before the lookup, so that a taken email is answered in the same time as a free one.
    password_hash = hash_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(_l("An account with %(email)s already exists.", email=email))
    user = User(
        email=email,
        password_hash=password_hash,
        display_name=(display_name or email.split("@")[0]).strip()[:255],
        role=role,
        supplier=supplier,
        phone=phone,
        locale=locale,
    )
    session.add(user)
    session.flush()
    logger.info("Created %s account %s (%d)", role, email, user.id)
    return user


def set_locale(session: Session, user: User, locale: str) -> bool:
    """Remember ``locale`` as the language ``user`` reads (their mail follows it); return whether it changed."""
    if user.locale == locale:
        return False
    user.locale = locale
    session.flush()
    logger.info("User %d now reads %s", user.id, locale)
    return True


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with this email and password, or ``None``.

    An unknown email costs the same password hash as a known one.
    """
    user: User | None = session.scalar(select(User).where(User.email == email.strip().lower()))
    if not check_password(user.password_hash if user else None, password) or user is None or not user.active:
        return None
    return user


def find_user(session: Session, email: str) -> User | None:
    """Return the user with this email, or ``None``."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def set_password(session: Session, user: User, new_password: str) -> None:
    """Give ``user`` a new password and end all their sessions; raise ``AccountError`` for a weak one."""
    try:
        check_password_policy(new_password, email=user.email, name=user.display_name)
    except WeakPassword as exc:
        raise PasswordRejected(exc.message) from exc
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user)
    logger.info("User %d changed their password", user.id)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """Change ``user``'s password after checking the current one; every other session ends.

    Raise ``WrongPassword`` or ``AccountError``. The caller logs this session in again.
    """
    if not check_password(user.password_hash, current_password):
        raise WrongPassword(_l("The current password is wrong."))
    set_password(session, user, new_password)


def start_password_reset(session: Session, email: str, *, now: dt.datetime | None = None) -> tuple[User, str] | None:
    """Return the active user with ``email`` and a new reset link secret, or ``None`` if there is none."""
    user = find_user(session, email)
    if user is None or not user.active:
        return None
    secret = issue_mail_link(session, user, LinkPurpose.RESET, lifetime=RESET_LINK_LIFETIME, now=now)
    logger.info("Password reset link issued to user %d", user.id)
    return user, secret


def check_reset_link(session: Session, secret: str, *, now: dt.datetime | None = None) -> User:
    """Return the user a live reset link belongs to; raise ``LinkInvalid``."""
    link = find_mail_link(session, secret, LinkPurpose.RESET, now=now)
    if link is None:
        raise LinkInvalid(_l("The link is invalid or expired."))
    return link.user


def reset_password(session: Session, secret: str, new_password: str, *, now: dt.datetime | None = None) -> User:
    """Set a new password through a reset link, spend the link and end every session.

    Following the link proves the address, so it also counts as a verification.
    Raise ``LinkInvalid`` or ``AccountError``.
    """
    now = now or utcnow()
    link = find_mail_link(session, secret, LinkPurpose.RESET, now=now)
    if link is None:
        raise LinkInvalid(_l("The link is invalid or expired."))
    user = link.user
    set_password(session, user, new_password)
    link.used_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now
    session.flush()
    return user


def start_verification(session: Session, user: User, *, now: dt.datetime | None = None) -> str:
    """Return a new email-verification link secret for ``user`` (earlier ones die)."""
    return issue_mail_link(session, user, LinkPurpose.VERIFY, lifetime=VERIFY_LINK_LIFETIME, now=now)


def verify_email(session: Session, secret: str, *, now: dt.datetime | None = None) -> User:
    """Mark the address a live verification link was sent to as confirmed; raise ``LinkInvalid``."""
    now = now or utcnow()
    link = find_mail_link(session, secret, LinkPurpose.VERIFY, now=now)
    if link is None:
        raise LinkInvalid(_l("The link is invalid or expired."))
    link.used_at = now
    if link.user.email_verified_at is None:
        link.user.email_verified_at = now
    session.flush()
    logger.info("User %d verified %s", link.user.id, link.email)
    return link.user


def get_user(session: Session, user_id: int) -> User | None:
    """Return the user with ``user_id``, or ``None``."""
    return session.get(User, user_id)


def load_session_user(session: Session, identity: str) -> User | None:
    """Return the active user a session's ``"<id>:<session_version>"`` names, or ``None`` once it is stale."""
    user_id, _sep, version = identity.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
