"""The operator's prices and tier rules: read by the scoring pass, edited on ``/admin/customers/settings``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.crm.customers import CustomerError
from marketplace.crm.models import ValueSettings
from marketplace.crm.scoring import Prices, TierRules
from marketplace.db import utcnow

logger = logging.getLogger(__name__)

#: The one row's id.
SETTINGS_ID = 1
#: The defaults the README states; also what a database without a row scores with.
DEFAULTS = {
    "currency": "UAH",
    "clickout_price": Decimal("2.00"),
    "lead_price": Decimal("50.00"),
    "hourly_cost": Decimal("300.00"),
    "failed_import_cost": Decimal("25.00"),
    "note_minutes": 5,
    "call_minutes": 15,
    "gold_percent": 20,
    "window_days": 90,
    "loss_when_cost_exceeds_value": True,
}


@dataclass(frozen=True)
class ValueRules:
    """Everything one scoring pass needs from the settings."""

    prices: Prices
    tiers: TierRules
    window_days: int
    currency: str


def current_settings(session: Session) -> ValueSettings:
    """Return the saved row, or an unsaved one holding the defaults."""
    row = session.get(ValueSettings, SETTINGS_ID)
    return row if row is not None else ValueSettings(id=SETTINGS_ID, **DEFAULTS)


def value_rules(session: Session) -> ValueRules:
    """Return the prices and tier rules in force."""
    row = current_settings(session)
    return ValueRules(
        prices=Prices(
            clickout=row.clickout_price,
            lead=row.lead_price,
            hour=row.hourly_cost,
            failed_import=row.failed_import_cost,
            note_minutes=row.note_minutes,
            call_minutes=row.call_minutes,
        ),
        tiers=TierRules(gold_percent=row.gold_percent, loss_when_cost_exceeds_value=row.loss_when_cost_exceeds_value),
        window_days=row.window_days,
        currency=row.currency,
    )


def save_settings(session: Session, values: dict[str, object], *, user: User | None) -> ValueSettings:
    """Save the operator's prices and rules; a negative price or a share outside 0–100 is refused."""
    for name in ("clickout_price", "lead_price", "hourly_cost", "failed_import_cost"):
        price = values.get(name)
        if not isinstance(price, Decimal) or price < 0:
            raise CustomerError(_l("A price cannot be negative."), name)
    gold = values.get("gold_percent")
    if not isinstance(gold, int) or not 0 <= gold <= 100:
        raise CustomerError(_l("The gold share is a percentage from 0 to 100."), "gold_percent")
    window = values.get("window_days")
    if not isinstance(window, int) or not 1 <= window <= 730:
        raise CustomerError(_l("The window is from 1 to 730 days."), "window_days")
    row = session.get(ValueSettings, SETTINGS_ID)
    if row is None:
        row = ValueSettings(id=SETTINGS_ID, **DEFAULTS)
        session.add(row)
    for name in DEFAULTS:
        if name in values and name != "currency":
            setattr(row, name, values[name])
    row.updated_by_id = user.id if user is not None else None
    row.updated_at = utcnow()
    session.flush()
    logger.info("User %s changed the customer value settings", user.id if user is not None else "-")
    return row
