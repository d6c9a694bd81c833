"""A real HTTP server on loopback that serves price lists and pictures, for the fetching tests."""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class FeedServer:
    """A real HTTP server on 127.0.0.1 whose answers tests set per path."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve_bytes(
        self,
        path: str,
        body: bytes,
        *,
        etag: str | None = None,
        gzip_it: bool = False,
        content_type: str = "application/xml",
    ) -> None:
        def handle(h: BaseHTTPRequestHandler) -> None:
            if etag and h.headers.get("If-None-Match") == etag:
                h.send_response(304)
                h.end_headers()
                return
            payload = gzip.compress(body) if gzip_it else body
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(payload)))
            if gzip_it:
                h.send_header("Content-Encoding", "gzip")
            if etag:
                h.send_header("ETag", etag)
            h.send_header("Last-Modified", "Sat, 21 Nov 2026 10:00:00 GMT")
            h.end_headers()
            h.wfile.write(payload)

        self.routes[path] = handle

    def redirect(self, path: str, location: str) -> None:
        def handle(h: BaseHTTPRequestHandler) -> None:
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = handle


@contextmanager
def running_feed_server() -> Iterator[FeedServer]:
    """Serve a ``FeedServer`` on a free loopback port until the block ends."""
    state = FeedServer()

    class RequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers)))
            handle = state.routes.get(self.path)
            if handle is None:
                self.send_error(404)
                return
            # The client may give up on purpose (caps, timeouts).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handle(self)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    state.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
