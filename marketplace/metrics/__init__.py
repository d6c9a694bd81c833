"""Prometheus figures of every process: request, search and import durations, queue depth, index lag.

The web processes and the worker each write their counts to files in one directory
(prometheus_client's multiprocess mode) and ``/metrics`` sums them (``collect``). The
queue depth and the index lag are read from the database and Redis when scraped, so they
are the same whichever process answers.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from marketplace.metrics import instruments


def init_app(app: Flask) -> None:
    """Choose this process's metrics directory and time every request by its route."""
    instruments.use_directory(app.config["METRICS_DIR"])

    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _record_request(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            rule = request.url_rule
            instruments.observe_request(
                method=request.method,
                # The rule, not the path: one series per route however many products there are.
                route=rule.rule if rule is not None else "<unmatched>",
                status=response.status_code,
                seconds=time.perf_counter() - started,
            )
        return response
