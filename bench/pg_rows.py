"""Time the PostgreSQL engine's row building (``search_index.postgres.rows.document_row``) alone.

    .venv/bin/python bench/pg_rows.py                     # microseconds per offer, 20,000 offers
    git show 367d0a3:search_index/postgres/rows.py > /tmp/rows_before.py
    .venv/bin/python bench/pg_rows.py --baseline /tmp/rows_before.py   # against another version

Every offer an import or a rebuild writes on PostgreSQL passes through ``document_row`` in the
writing process, on one core (a third of a 20,000-offer import's time in a profile, issue 17).
The offers are bench/pg_search.py's generated documents with category paths in three
languages, as the indexer gives them. ``--baseline`` loads a ``rows.py`` from another commit,
checks that both give the same rows for every offer, and times the two interleaved, 200
offers at a time in alternating order, so a machine that gets busier or quieter during the
run weighs on both alike. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_search import documents  # noqa: E402
from bench.search_offers import KINDS  # noqa: E402

#: Offers timed at a time, each version in turn.
CHUNK = 200


def _offers(count: int) -> list[Any]:
    names = {kind.category: kind for kind in KINDS}
    offers = []
    for doc in documents(count):
        kind = names[doc.category_path]
        offers.append(
            dataclasses.replace(
                doc,
                category_path=f"Home & Garden > Kitchen & Dining > {kind.category}",
                category_path_uk=f"Дім і сад > Кухня та їдальня > {kind.uk}",
                category_path_ru=f"Дом и сад > Кухня и столовая > {kind.ru}",
                params="; ".join(f"{name} {value}" for name, value in doc.param_pairs),
            )
        )
    return offers


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("baseline_rows", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the offers")
    parser.add_argument("--baseline", type=Path, default=None, help="a rows.py to compare against")
    args = parser.parse_args()

    from search_index.postgres import rows

    offers = _offers(args.offers)
    versions = {"current": rows}
    if args.baseline:
        versions = {"baseline": _load(args.baseline), "current": rows}
        differ = sum(versions["baseline"].document_row(o) != rows.document_row(o) for o in offers)
        print(f"rows that differ from the baseline's: {differ} of {len(offers)}")
    spent = dict.fromkeys(versions, 0.0)
    names = list(versions)
    for round_ in range(args.rounds):
        for number, start in enumerate(range(0, len(offers), CHUNK)):
            chunk = offers[start : start + CHUNK]
            for name in names if (number + round_) % 2 else reversed(names):
                began = time.perf_counter()
                for offer in chunk:
                    versions[name].document_row(offer)
                spent[name] += time.perf_counter() - began
    per_offer = {name: spent[name] / (len(offers) * args.rounds) * 1e6 for name in names}
    for name in names:
        print(f"{name:9} {per_offer[name]:6.1f} us per offer ({len(offers)} offers x {args.rounds} rounds)")
    if args.baseline:
        print(f"current / baseline = {per_offer['current'] / per_offer['baseline']:.3f}")


if __name__ == "__main__":
    main()
