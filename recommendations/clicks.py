"""Clicks and sessions: the input every recommender here is fed with."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

Item = TypeVar("Item", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Click(Generic[Item]):
    """One look at one item: by whom (a session or a visitor), what, and when (seconds)."""

    session: Hashable
    item: Item
    time: float


@dataclass(frozen=True, slots=True)
class Session(Generic[Item]):
    """One session's items in the order they were looked at, and when it ended."""

    items: tuple[Item, ...]
    last_time: float


def sessions_of(clicks: Iterable[Click[Item]]) -> list[Session[Item]]:
    """Group clicks by session, each in time order; sessions ordered by their last click."""
    grouped: dict[Hashable, list[tuple[float, int, Item]]] = {}
    for order, click in enumerate(clicks):
        grouped.setdefault(click.session, []).append((click.time, order, click.item))
    sessions = []
    for rows in grouped.values():
        rows.sort(key=lambda row: (row[0], row[1]))
        sessions.append(Session(items=tuple(row[2] for row in rows), last_time=rows[-1][0]))
    sessions.sort(key=lambda session: session.last_time)
    return sessions


def read_click_log(path: Path) -> Iterator[Click[str]]:
    """Read a tab-separated ``SessionId ItemId Time`` log with a header (the session-rec format)."""
    with path.open(encoding="utf-8") as lines:
        header = next(lines, "").rstrip("\n").split("\t")
        columns = {name: index for index, name in enumerate(header)}
        session_at, item_at, time_at = columns["SessionId"], columns["ItemId"], columns["Time"]
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < len(header):
                continue
            yield Click(session=fields[session_at], item=fields[item_at], time=float(fields[time_at]))
