"""Personal API tokens: a user creates them on the account page (or an operator with the CLI).

Only a SHA-256 hash of a token is stored; the token itself is shown once, when it is made.
SHA-256 without salt is enough here: tokens are 256 random bits, not passwords that a
dictionary could guess, and a fast hash lets every API call look its token up by index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, created_at, intpk, str255, utcnow
from marketplace.domain_errors import DomainError

logger = logging.getLogger(__name__)

#: Every token starts with it, so that a leaked one is recognisable (and secret scanners can find it).
TOKEN_PREFIX = "trw_"  # noqa: S105  (a public marker, not a secret)
#: A user holds at most this many live tokens.
MAX_TOKENS = 20


class TokenError(DomainError):
    """A token rule was broken; the message is fit to show the user."""


class ApiToken(Base):
    """A personal API token, stored as a hash; it acts as its user."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the user calls it ("ERP connector").
    name: Mapped[str255]
    #: SHA-256 of the whole token, in hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, to tell tokens apart on the account page.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[created_at]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.hint}…>"


def hash_token(token: str) -> str:
    """Return the stored form of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its secret, which is never stored.

    Raise ``TokenError`` for a blank name, an inactive account or too many live tokens.
    """
    name = " ".join(name.split())[:255]
    if not name:
        raise TokenError(_l("Give the token a name."))
    if not user.active:
        raise TokenError(_l("The account is disabled."))
    if len(tokens_of(session, user)) >= MAX_TOKENS:
        raise TokenError(_l("An account holds at most %(num)d tokens; revoke one first.", num=MAX_TOKENS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret), hint=secret[: len(TOKEN_PREFIX) + 6])
    session.add(token)
    session.flush()
    logger.info("User %d created API token %d (%s)", user.id, token.id, name)
    return token, secret


def create_token_for(session: Session, email: str, name: str) -> tuple[ApiToken, str]:
    """Create a token for the account with ``email`` (the operator's command); raise ``TokenError``."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise TokenError(_l("There is no account %(email)s.", email=email))
    return create_token(session, user, name)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """Return ``user``'s live tokens, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(session: Session, user: User, token_id: int, *, now: dt.datetime | None = None) -> ApiToken:
    """Revoke ``user``'s token ``token_id``; raise ``TokenError`` if it is not theirs or already revoked."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise TokenError(_l("There is no such token."))
    token.revoked_at = now or utcnow()
    session.flush()
    logger.info("User %d revoked API token %d", user.id, token.id)
    return token


def authenticate_token(session: Session, secret: str, *, now: dt.datetime | None = None) -> User | None:
    """Return the active user a live token ``secret`` belongs to, or ``None``; note its use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    # Written at most once a minute per token, so that a busy integration does not write on every call.
    last = token.last_used_at
    if last is None or now - last > dt.timedelta(minutes=1):
        token.last_used_at = now
        session.flush()
    return token.user
