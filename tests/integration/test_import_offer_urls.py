"""Offer links: never cut (url_too_long), and only to the supplier's own store (foreign_url)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from marketplace.suppliers.models import ImportStatus, Supplier
from marketplace.suppliers.services import SupplierError, set_extra_offer_hosts
from tests.support.feeds import catalog, run_import, yml_feed

STORE = "https://kitchen-pro.example"


def offer(sku: str, url: str) -> str:
    return (
        f'<offer id="{sku}" available="true"><url>{url}</url><price>100</price><currencyId>UAH</currencyId>'
        f"<categoryId>1</categoryId><name>Pan {sku}</name></offer>"
    )


def problems(run, code: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [p for p in run.report["problems"] if p["code"] == code]


def test_a_link_over_2000_characters_rejects_its_row(db_session: Session, supplier: Supplier) -> None:
    long_url = f"{STORE}/p/LONG?utm=" + "x" * 2500
    exact = f"{STORE}/p/" + "a" * (2000 - len(f"{STORE}/p/"))
    run = run_import(db_session, supplier, yml_feed([offer("LONG", long_url), offer("EXACT", exact)]))

    assert run.status == ImportStatus.SUCCEEDED, (run.error, run.report["counts"])
    assert set(catalog(db_session, supplier)) == {"EXACT"}
    (problem,) = problems(run, "url_too_long")
    assert problem["sku"] == "LONG" and problem["severity"] == "error" and str(len(long_url)) in problem["message"]
    assert run.rejected == 1


def test_links_off_the_store_host_are_rejected_as_foreign_url(db_session: Session, supplier: Supplier) -> None:
    rows = {
        "OWN": f"{STORE}/p/own",
        "WWW": "https://www.kitchen-pro.example/p/www",
        "SUB": "https://shop.kitchen-pro.example/p/sub",
        "PORT": "http://kitchen-pro.example:8080/p/port",
        "EVIL": "https://evil.example/p/1",
        "SUFFIX": "https://kitchen-pro.example.evil.example/p",
        "LOOKALIKE": "https://evilkitchen-pro.example/p",
        "USERINFO": "https://kitchen-pro.example@evil.example/p",
        "BACKSLASH": "https://evil.example\\.kitchen-pro.example/p",
    }
    run = run_import(db_session, supplier, yml_feed([offer(sku, url) for sku, url in rows.items()]))

    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert set(catalog(db_session, supplier)) == {"OWN", "WWW", "SUB", "PORT"}
    rejected = {p["sku"]: p for p in problems(run, "foreign_url")}
    assert set(rejected) == {"EVIL", "SUFFIX", "LOOKALIKE", "USERINFO", "BACKSLASH"}
    assert "evil.example" in rejected["EVIL"]["message"] and "kitchen-pro.example" in rejected["EVIL"]["message"]
    assert run.report["counts"]["foreign_url"] == 5


def test_an_operator_allows_another_site_and_takes_it_back(db_session: Session, supplier: Supplier) -> None:
    # 60 rows first: the parser reads the first 50 in full anyway, and may skip the rest as unchanged.
    own = [offer(f"OWN{i}", f"{STORE}/p/{i}") for i in range(60)]
    feed = yml_feed([*own, offer("PROM", "https://kitchen-pro.prom.ua/p/1")])
    first = run_import(db_session, supplier, feed)
    assert "PROM" not in catalog(db_session, supplier) and first.report["counts"]["foreign_url"] == 1

    assert set_extra_offer_hosts(db_session, supplier, "https://www.Kitchen-Pro.prom.ua/\n") == ["kitchen-pro.prom.ua"]
    allowed = run_import(db_session, supplier, feed)
    assert "foreign_url" not in allowed.report["counts"] and allowed.created == 1
    assert catalog(db_session, supplier)["PROM"][1] == "active"

    # Taken back: the row the import would skip as unchanged is read again, and refused.
    set_extra_offer_hosts(db_session, supplier, "")
    again = run_import(db_session, supplier, feed)
    assert again.report["counts"]["foreign_url"] == 1 and again.withdrawn == 1 and again.unchanged == 60
    assert catalog(db_session, supplier)["PROM"][1] == "withdrawn"


def test_an_operator_types_host_names_only(db_session: Session, supplier: Supplier) -> None:
    with pytest.raises(SupplierError):
        set_extra_offer_hosts(db_session, supplier, "shop.example, not a host!")
    assert supplier.extra_offer_hosts is None
