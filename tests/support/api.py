"""Calling the requests API (/api/v1) with a personal token."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.tokens import create_token


def bearer(session: Session, user: User) -> dict[str, str]:
    """Create a token for ``user`` (committed: the API opens its own session) and return its header."""
    _token, secret = create_token(session, user, "tests")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def publish(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    """Publish a buyer request through the API: a café's frying pans unless ``body`` says otherwise."""
    body.setdefault("title", "Café kitchen")
    body.setdefault("items", [{"text": "frying pan", "quantity": 6, "max_price": "1950.00"}])
    return client.post("/api/v1/requests", json=body, headers=headers)
