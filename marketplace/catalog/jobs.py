"""The catalog's share of the worker's pass: record the click-outs that waited in the spool, make thumbnails."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from marketplace.catalog.click_spool import ClickSpool
from marketplace.catalog.services import record_click
from marketplace.catalog.thumbnails import BATCH, ThumbnailFolder, make_thumbnail, picture_policy, wanted_pictures
from marketplace.jobs.queue import enqueue

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


#: Seconds between two looks for pictures without a thumbnail, when the last look found them all done.
THUMBNAIL_SCAN_SECONDS = 60.0
#: The file in the thumbnail folder whose age says when the last look was (removing it asks for a look now).
SCAN_MARKER = ".scanned"


def queue_thumbnails(
    session: Session, config: Mapping[str, Any], *, scan_seconds: float = THUMBNAIL_SCAN_SECONDS
) -> int:
    """Queue a ``make_thumbnails`` job for pictures that have no thumbnail yet (committing); return how many.

    Each picture queued is marked in the folder, so the next pass does not queue it again
    while its job waits. A look that finds a whole batch is followed by another at the next
    pass; otherwise the next look waits ``scan_seconds``.
    """
    folder = ThumbnailFolder.of(config)
    scanned = folder.path / SCAN_MARKER
    try:
        if time.time() - scanned.stat().st_mtime < scan_seconds:
            return 0
    except FileNotFoundError:
        pass
    urls = wanted_pictures(session, folder, BATCH)
    if urls:
        for url in urls:
            folder.mark(url, "queued")
        enqueue(session, "make_thumbnails", urls=urls)
        session.commit()  # the pass's boundary: the job row (or, on RQ, the push) goes out now
        logger.info("Queued thumbnails of %d pictures", len(urls))
    if len(urls) < BATCH:
        folder.path.mkdir(parents=True, exist_ok=True)
        scanned.touch()
    return len(urls)


def make_thumbnails(session: Session, app: Flask, *, urls: list[str]) -> int:
    """Run the job: fetch each picture and write its thumbnail; return how many were made.

    The job writes files only; a picture that fails is marked and tried again a day later.
    """
    folder = ThumbnailFolder.of(app.config)
    policy = picture_policy(app.config)
    made = sum(make_thumbnail(folder, url, policy) for url in urls)
    logger.info("Thumbnails: %d of %d pictures made", made, len(urls))
    return made
