"""YML ``<rec>``: the supplier's own ids of the offers that go with an offer (accessories, complements)."""

from __future__ import annotations

from tests.support.parsing import offers

FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-11-20 10:00"><shop><name>Kitchen Pro</name>'
    b'<currencies><currency id="UAH" rate="1"/></currencies>'
    b'<categories><category id="1">Cookware</category></categories>'
    b"<offers>"
    b'<offer id="PAN"><name>Pan 28 cm</name><price>900</price><currencyId>UAH</currencyId><categoryId>1</categoryId>'
    b"<rec>LID-28, SPATULA,,</rec></offer>"
    b'<offer id="LID-28"><name>Lid 28 cm</name><price>300</price><currencyId>UAH</currencyId><categoryId>1</categoryId>'
    b"</offer>"
    b"</offers></shop></yml_catalog>"
)


def test_rec_is_read_as_the_supplier_ids_it_lists() -> None:
    by_sku = {offer.sku: offer for offer in offers(FEED)}
    assert by_sku["PAN"].recs == ("LID-28", "SPATULA")
    assert by_sku["LID-28"].recs == ()
