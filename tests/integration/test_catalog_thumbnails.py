"""Listing thumbnails: the worker fetches a product's first strong picture, shrinks it, and the site serves it.

The pictures come from a real HTTP server on loopback (private addresses are allowed for it,
as ``FEED_ALLOW_PRIVATE`` allows them for feeds in a closed network), and the worker passes
are the real ones: the first queues a job, the second runs it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.catalog.models import GroupBasis
from marketplace.catalog.thumbnails import THUMBNAIL_SIZE, ThumbnailFolder, make_thumbnail, picture_policy
from marketplace.jobs.models import Job
from marketplace.search.index_runtime import get_index
from marketplace.search.jobs import rebuild_index
from marketplace.suppliers.models import Supplier
from marketplace.worker import work_once
from supplier_feeds.fetch import FetchPolicy
from tests.support import factories
from tests.support.feed_server import FeedServer


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"FEED_ALLOW_PRIVATE": True}


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_the_worker_makes_a_small_thumbnail_and_the_site_serves_it_for_a_year(
    app: Flask, client: FlaskClient, db_session: Session, supplier: Supplier, feed_server: FeedServer
) -> None:
    feed_server.serve_bytes("/pan.jpg", jpeg(), content_type="image/jpeg")
    picture = feed_server.url("/pan.jpg")
    factories.offer(db_session, supplier, "PAN", title="Frying pan 28 cm", pictures=[picture])
    db_session.commit()
    rebuild_index(db_session, get_index(app))

    listing = client.get("/search?q=pan").get_data(as_text=True)
    assert 'data-testid="thumbnail-placeholder"' in listing, "a neutral placeholder until the worker made it"
    assert picture not in listing, "a listing never loads the supplier's picture"

    work_once(app)  # queues the job
    assert db_session.scalars(select(Job).where(Job.kind == "make_thumbnails")).one().payload == {"urls": [picture]}
    work_once(app)  # runs it
    assert [path for path, _headers in feed_server.requests] == ["/pan.jpg"], "fetched once"

    folder = ThumbnailFolder.of(app.config)
    assert folder.has(picture)
    with Image.open(folder.thumbnail(picture)) as made:
        assert made.format == "WEBP" and max(made.size) == THUMBNAIL_SIZE and made.size[0] > made.size[1]

    listing = client.get("/search?q=pan").get_data(as_text=True)
    src = f"/thumbnails/{folder.file_name(picture)}"
    assert f'src="{src}"' in listing
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.cache_control.max_age == 365 * 24 * 3600 and served.cache_control.public
    assert served.cache_control.immutable
    served.close()

    work_once(app)
    assert len(db_session.scalars(select(Job).where(Job.kind == "make_thumbnails")).all()) == 1, "not queued again"


def test_only_a_strong_offer_dresses_a_product(
    app: Flask, db_session: Session, supplier: Supplier, feed_server: FeedServer
) -> None:
    founder = factories.offer(db_session, supplier, "A", title="Kettle", pictures=[feed_server.url("/a.jpg")])
    other = factories.supplier(db_session, "elsewhere")
    factories.offer(
        db_session, other, "B", title="Kettle", product=founder.product, group_basis=GroupBasis.TEXT,
        pictures=[feed_server.url("/text-joined.jpg")],
    )  # fmt: skip
    db_session.commit()
    work_once(app)
    job = db_session.scalars(select(Job).where(Job.kind == "make_thumbnails")).one()
    assert job.payload == {"urls": [feed_server.url("/a.jpg")]}


@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        (b"<html>not found</html>", "text/html", "text/html, not a picture"),
        (b"GIF89a but not really", "image/gif", "not a readable picture"),
        (b"%PDF-1.4", "application/pdf", "application/pdf"),
    ],
)
def test_what_is_not_a_picture_is_refused_and_not_tried_again_soon(
    app: Flask, feed_server: FeedServer, body: bytes, content_type: str, why: str
) -> None:
    feed_server.serve_bytes("/x", body, content_type=content_type)
    url = feed_server.url("/x")
    folder = ThumbnailFolder.of(app.config)
    assert not make_thumbnail(folder, url, picture_policy(app.config))
    assert not folder.has(url)
    assert why in folder.marker(url, "failed").read_text()
    assert not folder.wanted(url), "a failed picture waits a day"


def test_a_picture_over_the_size_cap_is_not_downloaded_whole(app: Flask, feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/big.jpg", jpeg(2000, 2000), content_type="image/jpeg")
    url = feed_server.url("/big.jpg")
    folder = ThumbnailFolder.of(app.config)
    assert not make_thumbnail(folder, url, FetchPolicy(max_bytes=1000, allow_private=True))
    assert "larger than" in folder.marker(url, "failed").read_text()


def test_a_picture_on_a_private_address_is_refused_unless_allowed(app: Flask, feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/pan.jpg", jpeg(), content_type="image/jpeg")
    url = feed_server.url("/pan.jpg")
    folder = ThumbnailFolder.of(app.config)
    assert not make_thumbnail(folder, url, picture_policy({"FEED_ALLOW_PRIVATE": False}))
    assert "private or local network" in folder.marker(url, "failed").read_text()
    assert feed_server.requests == []


def test_the_thumbnail_route_reads_only_thumbnail_names(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    folder = ThumbnailFolder.of(app.config)
    folder.path.mkdir(parents=True, exist_ok=True)
    (folder.path / "secret.txt").write_text("no")
    for name in ("secret.txt", "0" * 32 + ".txt", "..%2Fsecret.txt", "0" * 32 + ".webp", "ABC.webp"):
        assert client.get(f"/thumbnails/{name}").status_code == 404, name
