"""The rule that names a product: majority brand, the most complete strong offer's title, strong pictures only."""

from __future__ import annotations

from typing import Any

from marketplace.catalog.identity import product_identity
from marketplace.catalog.models import GroupBasis, Offer, OfferStatus


def offer(offer_id: int, title: str, basis: GroupBasis | None, **fields: Any) -> Offer:
    fields.setdefault("status", OfferStatus.ACTIVE)
    fields.setdefault("pictures", [f"https://shop.example/{offer_id}.jpg"])
    return Offer(id=offer_id, title=title, group_basis=basis, **fields)


def test_the_brand_most_strong_offers_state_wins_however_it_is_spelt() -> None:
    identity = product_identity(
        [
            offer(1, "Hartwell pan 28", GroupBasis.FOUNDER, brand="Hartwel"),
            offer(2, "HARTWELL pan 28 cm", GroupBasis.GTIN, brand="HARTWELL"),
            offer(3, "Hartwell steel pan 28 cm", GroupBasis.BRAND_CODE, brand="Hartwell", mpn="HW-28"),
            offer(4, "Pan 28", GroupBasis.OPERATOR, brand="hart-well"),
        ]
    )
    assert identity is not None
    assert identity.brand == "HARTWELL"  # "HARTWELL", "Hartwell" and "hart-well" are one brand; the first spelling
    # The title states that brand and a code, and has the most words.
    assert identity.title == "Hartwell steel pan 28 cm"
    assert identity.pictures[0] == "https://shop.example/3.jpg"


def test_a_tie_goes_to_the_earliest_offer() -> None:
    identity = product_identity(
        [
            offer(7, "Fiskars pan", GroupBasis.GTIN, brand="Fiskars"),
            offer(5, "Tefal pan", GroupBasis.FOUNDER, brand="Tefal"),
        ]
    )
    assert identity is not None
    assert (identity.brand, identity.title) == ("Tefal", "Tefal pan")


def test_text_merged_offers_never_name_the_product_nor_show_pictures() -> None:
    identity = product_identity(
        [
            offer(1, "Hartwell Steel frying pan 28 cm", GroupBasis.FOUNDER, brand="Hartwell"),
            offer(2, "Fiskars All Steel Frying Pan 28 cm with lid, brand new", GroupBasis.TEXT, brand="Fiskars",
                  mpn="1026573", group_score=0.83, pictures=["https://fiskars.example/a.jpg"]),
            offer(3, "Fiskars All Steel Frying Pan 28", GroupBasis.TEXT, brand="Fiskars"),
            offer(4, "Fiskars pan", None, brand="Fiskars"),
        ]
    )  # fmt: skip
    assert identity is not None
    assert (identity.title, identity.brand) == ("Hartwell Steel frying pan 28 cm", "Hartwell")
    assert identity.pictures == ("https://shop.example/1.jpg",)


def test_active_offers_name_the_product_while_there_are_any() -> None:
    offers = [
        offer(1, "Bosch PSB 500 RE drill 500 W", GroupBasis.FOUNDER, brand="Bosch", status=OfferStatus.WITHDRAWN),
        offer(2, "Bosch drill", GroupBasis.BRAND_CODE, brand="Bosch", mpn="0603127020", pictures=[]),
    ]
    identity = product_identity(offers)
    assert identity is not None and identity.title == "Bosch drill" and identity.pictures == ()
    offers[1].status = OfferStatus.WITHDRAWN
    offers[1].mpn = None
    identity = product_identity(offers)
    assert identity is not None and identity.title == "Bosch PSB 500 RE drill 500 W"


def test_no_strong_offer_means_no_identity() -> None:
    assert product_identity([offer(1, "Some pan", GroupBasis.TEXT, group_score=0.9)]) is None
    assert product_identity([]) is None
