"""The catalog's share of the worker's pass: record the click-outs that waited in the spool."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from marketplace.catalog.click_spool import ClickSpool
from marketplace.catalog.services import record_click

logger = logging.getLogger(__name__)


def click_spool(config: Mapping[str, Any]) -> ClickSpool:
    """Return the click spool that web processes write and the worker drains."""
    return ClickSpool(config["CLICK_SPOOL_PATH"])


def record_spooled_clicks(session: Session, config: Mapping[str, Any], *, batch: int = 1000) -> int:
    """Record the spooled click-outs with the time they were clicked (committing per batch); return how many.

    A file leaves the spool only after its click was committed. Were the worker to die between
    the two, the click would come round again and be taken for a repeat of itself.
    """
    spool = click_spool(config)
    repeat_window = dt.timedelta(minutes=config["CLICK_REPEAT_MINUTES"])
    recorded = 0
    while True:
        waiting = list(spool.waiting(batch))
        if not waiting:
            return recorded
        for _path, record in waiting:
            if record_click(session, record, repeat_window=repeat_window) is not None:
                recorded += 1
        session.commit()
        for path, _record in waiting:
            path.unlink(missing_ok=True)
        logger.info("Click spool: %d click-outs recorded late, %d in all this pass", len(waiting), recorded)
