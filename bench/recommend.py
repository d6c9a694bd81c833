"""Score the product page's recommender against two baselines on a session click log.

    .venv/bin/python bench/recommend.py --train TRAIN.txt --test TEST.txt
    .venv/bin/python bench/recommend.py --train TRAIN.txt --test TEST.txt --anchor-positions DIR

Logs are tab-separated ``SessionId ItemId Time`` with a header (the session-rec format, as in
/work/shared/data/sessions/yoochoose-100k/). Every recommender is fed the train file only. Each
test session is replayed in time order; after its k-th click the recommender names 20 items, a
hit is the session's next click among them (HR@20) and its reciprocal rank counts for MRR@20.

With ``--anchor-positions DIR``, only the positions listed in DIR's ``recoms_*.csv`` files are
scored (``SessionId;Position;...``, Position k-1 being the position after the k-th click), so the
figures compare with the published recommenders' lists there.

Prints one line per recommender, ``NAME HR@20 x MRR@20 y``: the product page's own recommender
first (``product-page``), then ``popularity`` and ``co-occurrence``.

``product-page`` is what the page shows: the product on screen, then its precomputed "also viewed"
list (our session-kNN asked with that one product, never naming it, as the worker stores it). The
page shows the product itself, so a next click on it (a quarter of yoochoose-100k's next clicks: a
buyer back on the same product) is found there, as the published recommenders' lists count it
too; both baselines get the same first place for the product on screen, so the three compare
like for like. No weight or cut-off is chosen here: the list is the stored one, in its order.

Notes follow: the three without the product on screen, session-kNN given the whole visit (what
a visit-wide row could reach), the share of next clicks on the product on screen, and the time
per recommendation. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommendations.baselines import CoOccurrence, Popularity
from recommendations.clicks import Click, Session, read_click_log, sessions_of
from recommendations.sessionknn import SessionKNN, item_neighbours

CUTOFF = 20
Recommend = Callable[[Sequence[str]], list[str]]


def anchor_positions(directory: Path) -> dict[str, set[int]]:
    """The (session, position) pairs of the anchor files: position p is after click p+1."""
    positions: dict[str, set[int]] = {}
    for path in sorted(directory.glob("recoms_*.csv")):
        with path.open(encoding="utf-8") as lines:
            next(lines, None)
            for line in lines:
                session, position = line.split(";", 2)[:2]
                positions.setdefault(session, set()).add(int(position))
    return positions


def score(
    recommend: Recommend, test: dict[str, Session[str]], only: dict[str, set[int]] | None
) -> tuple[float, float, int, float]:
    """HR@20, MRR@20, the number of positions scored and the seconds per recommendation."""
    hits = reciprocal = 0.0
    scored = 0
    started = time.perf_counter()
    for name, session in test.items():
        for position in range(len(session.items) - 1):
            if only is not None and position not in only.get(name, ()):
                continue
            names = recommend(session.items[: position + 1])[:CUTOFF]
            target = session.items[position + 1]
            scored += 1
            if target in names:
                hits += 1
                reciprocal += 1 / (names.index(target) + 1)
    elapsed = time.perf_counter() - started
    return hits / max(scored, 1), reciprocal / max(scored, 1), scored, elapsed / max(scored, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--anchor-positions", type=Path, help="a folder of recoms_*.csv: score only their positions")
    arguments = parser.parse_args()

    started = time.perf_counter()
    train = sessions_of(read_click_log(arguments.train))
    test_clicks = list(read_click_log(arguments.test))
    test: dict[str, list[Click[str]]] = {}
    for click in test_clicks:
        test.setdefault(str(click.session), []).append(click)
    test_sessions = {name: sessions_of(clicks)[0] for name, clicks in test.items()}
    only = anchor_positions(arguments.anchor_positions) if arguments.anchor_positions else None

    ours = SessionKNN[str]().fit_sessions(train)
    popularity = Popularity(train)
    cooccurrence = CoOccurrence(train)
    fitted = time.perf_counter() - started

    def names(pairs: list[tuple[str, float]]) -> list[str]:
        return [item for item, _ in pairs]

    def on_screen_first(recommend: Recommend) -> Recommend:
        def shown(session: Sequence[str]) -> list[str]:
            return [session[-1], *(item for item in recommend(session) if item != session[-1])]

        return shown

    recommenders: list[tuple[str, Recommend]] = [
        ("product-page", lambda session: names(item_neighbours(ours, session[-1], CUTOFF))),
        ("popularity", lambda session: names(popularity.recommend(session, CUTOFF))),
        ("co-occurrence", lambda session: names(cooccurrence.recommend(session, CUTOFF))),
    ]
    timings = []
    for name, recommend in recommenders:
        hit_rate, mrr, scored, seconds = score(on_screen_first(recommend), test_sessions, only)
        timings.append((name, scored, seconds))
        print(f"{name} HR@{CUTOFF} {hit_rate:.3f} MRR@{CUTOFF} {mrr:.3f}")
    for name, recommend in recommenders:
        hit_rate, mrr, _, _ = score(recommend, test_sessions, only)
        print(f"# {name}, without the product on screen: HR@{CUTOFF} {hit_rate:.3f} MRR@{CUTOFF} {mrr:.3f}")
    visit_hr, visit_mrr, _, _ = score(lambda session: names(ours.recommend(session, CUTOFF)), test_sessions, only)
    print(f"# session-knn given the whole visit: HR@{CUTOFF} {visit_hr:.3f} MRR@{CUTOFF} {visit_mrr:.3f}")
    repeats, _, _, _ = score(lambda session: [session[-1]], test_sessions, only)
    print(f"# next clicks on the product on screen: {repeats:.3f}")
    print(f"# {len(train)} train sessions read and fitted in {fitted:.2f} s; load average {os.getloadavg()[0]:.2f}")
    for name, scored, seconds in timings:
        print(f"# {name}: {scored} positions, {seconds * 1000:.3f} ms per recommendation")


if __name__ == "__main__":
    main()
