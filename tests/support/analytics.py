"""What the analytics tests share: a person's and a headless browser's user agents, and a clock to move."""

from __future__ import annotations

import datetime as dt

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36"
DAY = dt.date(2026, 12, 1)


class Clock:
    """The time events are stamped with (``ANALYTICS_CLOCK``): tests move it instead of waiting."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)
