"""Listing thumbnails: each product's first strong picture, fetched once, shrunk, and served by us.

Pictures are suppliers' URLs. A listing never loads them from the supplier's host: twenty
full-size photos would cost a phone megabytes, and every page view would tell twenty hosts
who looked. Instead the worker fetches the product's first picture (the one
:func:`~marketplace.catalog.identity.product_identity` puts first, so only offers with strong
grouping evidence dress a product), checks it is an image, shrinks it to
:data:`THUMBNAIL_SIZE` pixels and writes it to the thumbnail folder, named by a hash of the
picture's URL. Until that file exists, a listing shows a neutral placeholder.

The fetch goes through :func:`supplier_feeds.fetch.fetch`, with its public-address check,
pinned connection, timeouts, deadline and size cap; a picture must also say it is an image
(Content-Type) and decode as one of :data:`ACCEPTED_FORMATS`, no larger than
:data:`MAX_PIXELS`. A picture that fails is not tried again for :data:`RETRY_FAILED_AFTER`.

Files in the folder, per picture URL hashed to ``key``:

- ``key.webp`` (or ``key.jpg`` where Pillow has no WebP): the thumbnail;
- ``key.queued``: a job was queued for it (so the next worker pass does not queue it again);
- ``key.failed``: the last attempt failed, and why.

With several nodes (``TRADEROW_UPLOAD_STORE=database``) each thumbnail is also kept in the
file store, which every node shares: a web node whose own folder lacks one copies it from
there the first time a listing needs it, and serves it from its folder after that. The
markers stay in the worker's folder: only the worker that queues the jobs reads them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError, features
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.identity import FACT_COLUMNS, product_identity
from marketplace.catalog.models import STRONG_BASES, Offer, OfferStatus
from marketplace.files.store import FileStore, file_store
from supplier_feeds.fetch import FetchPolicy, fetch
from supplier_feeds.rows import FeedError

logger = logging.getLogger(__name__)

#: The longest side of a thumbnail, in pixels: listings show it at 80-96 CSS pixels, so this is sharp at 2x.
THUMBNAIL_SIZE = 160
#: Content types a picture may be sent with.
ACCEPTED_TYPES = frozenset({"image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/gif"})
#: What Pillow must find inside, whatever the header said.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
#: A decoded picture larger than this is refused before it is decoded (a small file can unpack to gigabytes).
MAX_PIXELS = 40_000_000
#: The largest picture downloaded.
MAX_BYTES = 10 * 1024 * 1024
#: A picture that failed is tried again after this long.
RETRY_FAILED_AFTER = dt.timedelta(days=1)
#: A queued picture whose job never ran (a lost RQ job) is queued again after this long.
REQUEUE_AFTER = dt.timedelta(hours=6)
#: Pictures one job fetches.
BATCH = 50

_KEY = re.compile(r"^[0-9a-f]{32}$")


def picture_policy(config: Mapping[str, Any]) -> FetchPolicy:
    """Return the limits of a picture fetch: short timeouts, a small cap, private addresses as feeds allow."""
    return FetchPolicy(
        max_bytes=MAX_BYTES,
        connect_timeout=5.0,
        read_timeout=10.0,
        deadline=30.0,
        max_redirects=3,
        allow_private=bool(config["FEED_ALLOW_PRIVATE"]),
        user_agent="TradeRow-thumbnailer/1.0",
    )


def thumbnail_format() -> tuple[str, str]:
    """Return the Pillow format and file extension thumbnails are written in: WebP where Pillow has it."""
    return ("WEBP", "webp") if features.check("webp") else ("JPEG", "jpg")


def picture_key(url: str) -> str:
    """Return the name a picture's files carry: a hash of its URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def is_key(text: str) -> bool:
    """Say whether ``text`` can be a picture key (so a route never reads a path it was handed)."""
    return bool(_KEY.match(text))


@dataclass(frozen=True)
class ThumbnailFolder:
    """The folder that holds thumbnails and the markers of pictures queued or failed."""

    path: Path
    #: The file store every node shares (the database store), or ``None``: the folder alone.
    shared: FileStore | None = None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> ThumbnailFolder:
        """Return the app's thumbnail folder (inside an app context when the file store is the database)."""
        shared = file_store() if config.get("UPLOAD_STORE") == "database" else None
        return cls(Path(config["THUMBNAIL_PATH"]), shared)

    def file_name(self, url: str) -> str:
        return f"{picture_key(url)}.{thumbnail_format()[1]}"

    def thumbnail(self, url: str) -> Path:
        return self.path / self.file_name(url)

    def has(self, url: str) -> bool:
        return self.has_file(self.file_name(url))

    def has_file(self, name: str) -> bool:
        """Say whether the thumbnail ``name`` is in the folder, copying it from the shared store if it is there."""
        if (self.path / name).is_file():
            return True
        if self.shared is None:
            return False
        data = self.shared.read_note(f"thumbnails/{name}")
        if data is None:
            return False
        self._write_file(name, data)
        return True

    def marker(self, url: str, kind: str) -> Path:
        return self.path / f"{picture_key(url)}.{kind}"

    def _fresh(self, marker: Path, age: dt.timedelta) -> bool:
        try:
            return time.time() - marker.stat().st_mtime < age.total_seconds()
        except FileNotFoundError:
            return False

    def wanted(self, url: str) -> bool:
        """Say whether ``url`` needs a job: no thumbnail, none queued lately, no recent failure."""
        # The markers first: they are files here, while a miss of ``has`` asks the shared store.
        return not (
            self._fresh(self.marker(url, "queued"), REQUEUE_AFTER)
            or self._fresh(self.marker(url, "failed"), RETRY_FAILED_AFTER)
            or self.has(url)
        )

    def mark(self, url: str, kind: str, text: str = "") -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.marker(url, kind).write_text(text + "\n" if text else "", encoding="utf-8")

    def unmark(self, url: str, kind: str) -> None:
        self.marker(url, kind).unlink(missing_ok=True)

    def write(self, url: str, data: bytes) -> Path:
        """Write a thumbnail whole or not at all (a reader never sees half a file), and share it."""
        target = self._write_file(self.file_name(url), data)
        if self.shared is not None:
            self.shared.write_note(f"thumbnails/{target.name}", data)
        return target

    def _write_file(self, name: str, data: bytes) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / name
        fd, temporary = tempfile.mkstemp(dir=self.path, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target


class PictureRefused(ValueError):
    """A picture could not be made into a thumbnail; the message says why (for the log and the marker)."""


def shrink(data: bytes, size: int = THUMBNAIL_SIZE) -> bytes:
    """Return ``data`` (a JPEG, PNG, WebP or GIF) as a thumbnail at most ``size`` pixels on its longest side."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise PictureRefused(f"not a picture format we accept ({image.format})")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PictureRefused(f"too many pixels ({width}x{height})")
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((size, size), Image.Resampling.LANCZOS)
            pil_format, _extension = thumbnail_format()
            if pil_format == "JPEG" or picture.mode not in ("RGB", "RGBA"):
                has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
                picture = picture.convert("RGBA" if has_alpha and pil_format == "WEBP" else "RGB")
            out = io.BytesIO()
            picture.save(out, pil_format, quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PictureRefused(f"not a readable picture ({exc})") from None


def fetch_picture(url: str, policy: FetchPolicy) -> bytes:
    """Download a picture under ``policy``; raise ``PictureRefused`` unless an image came back."""
    body = io.BytesIO()
    try:
        result = fetch(url, body, policy=policy)
    except FeedError as exc:
        raise PictureRefused(exc.message) from None
    content_type = (result.content_type or "").split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise PictureRefused(f"the server sent {content_type or 'no content type'}, not a picture")
    return body.getvalue()


def make_thumbnail(folder: ThumbnailFolder, url: str, policy: FetchPolicy) -> bool:
    """Fetch ``url`` and write its thumbnail; on failure leave a ``failed`` marker. Return whether it worked."""
    try:
        folder.write(url, shrink(fetch_picture(url, policy)))
    except PictureRefused as exc:
        logger.info("Thumbnail of %s not made: %s", url, exc)
        folder.mark(url, "failed", str(exc))
        return False
    finally:
        folder.unmark(url, "queued")
    folder.unmark(url, "failed")
    return True


def product_pictures(session: Session, product_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Return product id -> the product's first picture, for products that show one (all live ones by default)."""
    statement = select(*FACT_COLUMNS).where(Offer.group_basis.in_(STRONG_BASES))
    if product_ids is None:
        live = select(Offer.product_id).where(Offer.status == OfferStatus.ACTIVE)
        statement = statement.where(Offer.product_id.in_(live))
    else:
        statement = statement.where(Offer.product_id.in_(set(product_ids)))
    offers: dict[int, list[Any]] = {}
    for row in session.execute(statement):
        offers.setdefault(row.product_id, []).append(row)
    first = {}
    for product_id, rows in offers.items():
        identity = product_identity(rows)
        if identity is not None and identity.pictures:
            first[product_id] = identity.pictures[0]
    return first


def wanted_pictures(session: Session, folder: ThumbnailFolder, limit: int = BATCH) -> list[str]:
    """Return up to ``limit`` live products' first pictures that need a thumbnail, in product order."""
    wanted: list[str] = []
    for _product_id, url in sorted(product_pictures(session).items()):
        if url not in wanted and folder.wanted(url):
            wanted.append(url)
            if len(wanted) >= limit:
                break
    return wanted
