"""Fetching feed URLs against a real HTTP server on loopback: validators, gzip, caps, redirects, refusals."""

from __future__ import annotations

import io
import time
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from supplier_feeds import FeedError
from supplier_feeds.fetch import FetchPolicy, check_url, fetch
from tests.support.feed_server import FeedServer

LOCAL = FetchPolicy(allow_private=True, connect_timeout=2, read_timeout=2, deadline=10)
FEED = b'<?xml version="1.0"?><yml_catalog><shop><offers/></shop></yml_catalog>'


def test_loopback_is_refused_by_default_and_the_server_is_never_asked(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/feed.xml", FEED)

    with pytest.raises(FeedError) as refused:
        fetch(feed_server.url("/feed.xml"), io.BytesIO())

    assert refused.value.code == "fetch_refused_address"
    assert "private or local" in refused.value.message
    assert feed_server.requests == []


@pytest.mark.parametrize(
    "addresses",
    [["10.1.2.3"], ["169.254.169.254"], ["192.168.0.10"], ["::1"], ["fe80::1"], ["93.184.216.34", "127.0.0.1"]],
)
def test_every_resolved_address_must_be_public(addresses: list[str]) -> None:
    with pytest.raises(FeedError) as refused:
        check_url("http://feeds.example/price.xml", allow_private=False, resolver=lambda _h, _p: addresses)
    assert refused.value.code == "fetch_refused_address"


def test_a_public_address_passes_the_check() -> None:
    host, port = check_url(
        "https://feeds.example/p.xml", allow_private=False, resolver=lambda _h, _p: ["93.184.216.34"]
    )
    assert (host, port) == ("feeds.example", 443)


def _check(address: str) -> None:
    check_url("http://feeds.example/price.xml", allow_private=False, resolver=lambda _h, _p: [address])


# One case per IPv6 form that embeds an IPv4 address or that Python's is_global lets through:
# each is refused with a private IPv4 inside; those a real network path uses pass with a public one.
@pytest.mark.parametrize(
    ("form", "refused", "allowed"),
    [
        ("IPv4-mapped ::ffff:0:0/96", "::ffff:10.0.0.1", "::ffff:93.184.216.34"),
        ("NAT64 well-known 64:ff9b::/96", "64:ff9b::127.0.0.1", "64:ff9b::93.184.216.34"),
        ("NAT64 well-known, metadata", "64:ff9b::169.254.169.254", None),
        ("NAT64 local-use 64:ff9b:1::/48", "64:ff9b:1::5db8:d822", None),
        ("6to4 2002::/16", "2002:7f00:1::1", "2002:5db8:d822::1"),
        ("6to4 to a private network", "2002:c0a8:0001::1", None),
        ("IPv4-compatible ::/96", "::93.184.216.34", None),
        ("IPv4-compatible loopback", "::127.0.0.1", None),
        ("Teredo 2001::/32", "2001:0:4136:e378:8000:63bf:3fff:fdd2", None),
        ("site-local fec0::/10", "fec0::1", None),
        ("documentation 3fff::/20", "3fff::1", None),
    ],
)
def test_ipv6_forms_are_judged_by_the_ipv4_they_carry_or_refused(form: str, refused: str, allowed: str | None) -> None:
    with pytest.raises(FeedError) as caught:
        _check(refused)
    assert caught.value.code == "fetch_refused_address", form
    if allowed is not None:
        _check(allowed)


def test_a_global_ipv6_address_passes_the_check() -> None:
    _check("2606:4700::6810:84e5")


@pytest.mark.parametrize("url", ["ftp://feeds.example/p.xml", "file:///etc/passwd", "http:///nohost", "gopher://x/"])
def test_only_http_and_https_urls(url: str) -> None:
    with pytest.raises(FeedError) as bad:
        fetch(url, io.BytesIO(), policy=LOCAL)
    assert bad.value.code == "fetch_bad_url"


def test_fetch_writes_the_body_and_returns_the_validators(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/feed.xml", FEED, etag='"v1"')
    out = io.BytesIO()

    result = fetch(feed_server.url("/feed.xml"), out, policy=LOCAL)

    assert out.getvalue() == FEED
    assert (result.not_modified, result.etag, result.size) == (False, '"v1"', len(FEED))
    assert result.last_modified == "Sat, 21 Nov 2026 10:00:00 GMT"
    assert feed_server.requests[0][1]["Accept-Encoding"].startswith("gzip")


def test_a_conditional_get_is_answered_not_modified(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/feed.xml", FEED, etag='"v1"')
    out = io.BytesIO()

    result = fetch(feed_server.url("/feed.xml"), out, etag='"v1"', last_modified="yesterday", policy=LOCAL)

    assert result.not_modified and out.getvalue() == b""
    sent = feed_server.requests[0][1]
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "yesterday"


def test_gzip_is_decoded(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/feed.xml.gz", FEED * 50, gzip_it=True)
    out = io.BytesIO()

    result = fetch(feed_server.url("/feed.xml.gz"), out, policy=LOCAL)

    assert out.getvalue() == FEED * 50 and result.size == len(FEED) * 50


def test_a_body_over_the_cap_is_stopped(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/big.xml", b"x" * 200_000)
    with pytest.raises(FeedError) as too_large:
        fetch(feed_server.url("/big.xml"), io.BytesIO(), policy=FetchPolicy(allow_private=True, max_bytes=100_000))
    assert too_large.value.code == "fetch_too_large"


def test_a_gzip_bomb_is_stopped_at_the_cap_of_decoded_bytes(feed_server: FeedServer) -> None:
    # 50 MB of zeros compress to about 50 KB: the cap counts what it unpacks to.
    feed_server.serve_bytes("/bomb.xml", b"\0" * 50_000_000, gzip_it=True)
    out = io.BytesIO()
    with pytest.raises(FeedError) as too_large:
        fetch(feed_server.url("/bomb.xml"), out, policy=FetchPolicy(allow_private=True, max_bytes=1_000_000))
    assert too_large.value.code == "fetch_too_large"
    assert len(out.getvalue()) <= 1_000_000


def test_a_few_redirects_are_followed_and_more_are_refused(feed_server: FeedServer) -> None:
    feed_server.serve_bytes("/final.xml", FEED)
    feed_server.redirect("/r1", "/r2")
    feed_server.redirect("/r2", feed_server.url("/final.xml"))
    for i in range(5):
        feed_server.redirect(f"/loop{i}", f"/loop{i + 1}")

    result = fetch(feed_server.url("/r1"), io.BytesIO(), policy=LOCAL)
    assert result.url.endswith("/final.xml")

    with pytest.raises(FeedError) as loop:
        fetch(feed_server.url("/loop0"), io.BytesIO(), policy=LOCAL)
    assert loop.value.code == "fetch_too_many_redirects"


class _RedirectingTransport(requests.Session):
    """A fake transport: every request is answered with a redirect to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location
        self.asked: list[str] = []

    def get(self, url: str | bytes, **_kwargs: object) -> requests.Response:  # type: ignore[override]
        self.asked.append(str(url))
        response = requests.Response()
        response.status_code = 302
        response.headers["Location"] = self.location
        response.raw = io.BytesIO(b"")
        return response


def test_a_redirect_to_a_private_address_is_refused() -> None:
    transport = _RedirectingTransport("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FeedError) as refused:
        fetch(
            "http://feeds.example/price.xml",
            io.BytesIO(),
            session=transport,
            resolver=lambda host, _p: ["93.184.216.34"] if host == "feeds.example" else ["169.254.169.254"],
        )
    assert refused.value.code == "fetch_refused_address"
    assert transport.asked == ["http://feeds.example/price.xml"]


def test_http_errors_are_reported_with_the_status(feed_server: FeedServer) -> None:
    with pytest.raises(FeedError) as missing:
        fetch(feed_server.url("/nothing.xml"), io.BytesIO(), policy=LOCAL)
    assert missing.value.code == "fetch_http_error" and "404" in missing.value.message


def test_a_server_that_does_not_answer_times_out(feed_server: FeedServer) -> None:
    feed_server.routes["/slow.xml"] = lambda h: time.sleep(1.5)
    with pytest.raises(FeedError) as slow:
        fetch(feed_server.url("/slow.xml"), io.BytesIO(), policy=FetchPolicy(allow_private=True, read_timeout=0.3))
    assert slow.value.code == "fetch_timeout"


def test_a_dripping_download_is_stopped_at_the_deadline(feed_server: FeedServer) -> None:
    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()
        for _ in range(30):
            h.wfile.write(b"<" * 10)
            h.wfile.flush()
            time.sleep(0.1)

    feed_server.routes["/drip.xml"] = drip
    started = time.monotonic()
    with pytest.raises(FeedError) as dripping:
        fetch(
            feed_server.url("/drip.xml"),
            io.BytesIO(),
            policy=FetchPolicy(allow_private=True, read_timeout=2, deadline=0.5),
        )
    assert dripping.value.code == "fetch_timeout"
    assert time.monotonic() - started < 2.5


def test_the_connection_goes_to_the_checked_address_not_a_second_dns_answer(feed_server: FeedServer) -> None:
    # "feeds.invalid" never resolves through real DNS; only the checked answer (loopback,
    # allowed here) can reach the server. Unpinned, requests would look the name up again.
    feed_server.serve_bytes("/feed.xml", FEED)
    port = feed_server.url("").rsplit(":", 1)[1]
    asked: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    out = io.BytesIO()
    result = fetch(f"http://feeds.invalid:{port}/feed.xml", out, policy=LOCAL, resolver=resolver)

    assert out.getvalue() == FEED and result.size == len(FEED)
    assert asked == ["feeds.invalid"]
    # The name is still what the server is asked for (the Host header; SNI and the certificate for https).
    ((_path, headers),) = feed_server.requests
    assert headers["Host"] == f"feeds.invalid:{port}"
