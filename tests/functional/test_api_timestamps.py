"""Every timestamp the API serialises carries its time zone, on SQLite as on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.buyer_requests.models import BuyerRequest
from tests.support.api import bearer, publish


def test_published_at_read_back_from_the_database_has_an_offset(
    client: FlaskClient, db_session: Session, shopper: User
) -> None:
    headers = bearer(db_session, shopper)
    created = publish(client, headers)
    assert created.status_code == 201, created.get_json()

    # Read the row back from the database (SQLite hands back naive datetimes).
    db_session.expire_all()
    body = client.get(f"/api/v1/requests/{created.get_json()['id']}", headers=headers).get_json()
    published_at = dt.datetime.fromisoformat(body["published_at"])
    assert published_at.utcoffset() == dt.timedelta(0), body["published_at"]


def test_loaded_timestamps_are_aware_utc(client: FlaskClient, db_session: Session, shopper: User) -> None:
    headers = bearer(db_session, shopper)
    assert publish(client, headers).status_code == 201
    db_session.expire_all()
    stored = db_session.scalars(select(BuyerRequest)).one()
    assert stored.published_at is not None and stored.published_at.tzinfo == dt.UTC
