"""Offer links: never cut (url_too_long), and only to the supplier's own store (foreign_url)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.suppliers.models import ImportStatus, Supplier
from tests.integration.test_import_semantics import catalog, run_import, yml_feed

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
