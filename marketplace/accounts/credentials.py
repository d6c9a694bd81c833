"""Secrets that stand in for a password: remember-me tokens and single-use mail links.

Like API tokens, only a SHA-256 hash of each secret is stored (``hash_token``): the secret
travels in a cookie or a mailed link and is 256 random bits, so a fast unsalted hash is
enough and lets each use be looked up by index.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import secrets

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.accounts.tokens import hash_token
from marketplace.db import Base, created_at, intpk, utcnow

logger = logging.getLogger(__name__)


class RememberToken(Base):
    """A "keep me logged in" cookie's secret, as a hash; replaced by a new one each time it is used."""

    __tablename__ = "remember_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the cookie's secret, in hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The user's ``session_version`` when it was issued: a later password change voids it.
    session_version: Mapped[int]
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<RememberToken {self.id} user={self.user_id}>"


class LinkPurpose(enum.StrEnum):
    """What a mailed link does."""

    RESET = "reset"  #: sets a new password
    VERIFY = "verify"  #: confirms the account's email address


class MailLink(Base):
    """A single-use, expiring secret sent by mail, as a hash."""

    __tablename__ = "mail_links"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(String(20))
    #: SHA-256 of the link's secret, in hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The address the link was sent to: a verification confirms that address only.
    email: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<MailLink {self.id} user={self.user_id} {self.purpose}>"


# --- remember-me ------------------------------------------------------------------------------


def issue_remember_token(session: Session, user: User, *, days: int, now: dt.datetime | None = None) -> str:
    """Store a new remember token for ``user`` and return its secret (for the cookie only)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(
        RememberToken(
            user=user,
            token_hash=hash_token(secret),
            session_version=user.session_version,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
    )
    session.flush()
    return secret


def use_remember_token(
    session: Session, secret: str, *, days: int, now: dt.datetime | None = None
) -> tuple[User, str] | None:
    """Return the user of a live remember token and the secret that replaces it, or ``None``.

    The token is spent: a stolen copy stops working as soon as its owner's browser uses it.
    """
    if not secret or len(secret) > 200:
        return None
    now = now or utcnow()
    token = session.scalar(select(RememberToken).where(RememberToken.token_hash == hash_token(secret)))
    if token is None:
        return None
    user = token.user
    session.delete(token)
    session.flush()
    if token.expires_at <= now or token.session_version != user.session_version or not user.active:
        return None
    return user, issue_remember_token(session, user, days=days, now=now)


def forget_remember_token(session: Session, secret: str) -> None:
    """Delete the remember token with this secret, if there is one (logging out on this device)."""
    if secret:
        session.execute(delete(RememberToken).where(RememberToken.token_hash == hash_token(secret)))


def end_all_sessions(session: Session, user: User) -> None:
    """End every session and remember token of ``user``: everywhere, this device included."""
    user.session_version += 1
    session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))
    session.flush()
    logger.info("Ended every session of user %d", user.id)


# --- mailed links -----------------------------------------------------------------------------


def issue_mail_link(
    session: Session, user: User, purpose: LinkPurpose, *, lifetime: dt.timedelta, now: dt.datetime | None = None
) -> str:
    """Store a single-use link secret for ``user``; return it. Older unused links of that purpose die."""
    now = now or utcnow()
    session.execute(
        delete(MailLink).where(MailLink.user_id == user.id, MailLink.purpose == purpose, MailLink.used_at.is_(None))
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        MailLink(
            user=user,
            purpose=purpose,
            token_hash=hash_token(secret),
            email=user.email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return secret


def find_mail_link(
    session: Session, secret: str, purpose: LinkPurpose, *, now: dt.datetime | None = None
) -> MailLink | None:
    """Return the live, unused link of ``purpose`` with this secret, or ``None``."""
    if not secret or len(secret) > 200:
        return None
    link = session.scalar(
        select(MailLink).where(MailLink.token_hash == hash_token(secret), MailLink.purpose == purpose)
    )
    now = now or utcnow()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    if link.email != link.user.email or not link.user.active:
        return None
    return link
