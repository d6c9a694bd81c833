"""The normalisers behind duplicate finding: one person's e-mail and phone written many ways compare equal."""

from __future__ import annotations

import pytest

from marketplace.crm.normalise import normalise_email, normalise_phone


@pytest.mark.parametrize(
    "written",
    ["+380 67 000 11 22", "+38 (067) 000-11-22", "067 000 11 22", "0670001122", "8 067 000 11 22", "67 000 11 22"],
)
def test_a_ukrainian_number_written_any_way_becomes_e164(written: str) -> None:
    assert normalise_phone(written) == "+380670001122"


def test_a_foreign_number_keeps_its_own_country_code() -> None:
    assert normalise_phone("+1 (415) 555-0100") == "+14155550100"
    assert normalise_phone("+48 22 123 45 67") == "+48221234567"


@pytest.mark.parametrize("junk", [None, "", "   ", "call me", "123", "+1234567890123456"])
def test_too_few_or_too_many_digits_is_no_phone(junk: str | None) -> None:
    assert normalise_phone(junk) is None


def test_an_email_is_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Olena.Koval@Example.COM ") == "olena.koval@example.com"


def test_gmail_dots_and_plus_tags_are_kept() -> None:
    # Dots matter at most providers and plus tags at some: we never invent an address nobody wrote.
    assert normalise_email("O.Koval@gmail.com") == "o.koval@gmail.com"
    assert normalise_email("o.koval@gmail.com") != normalise_email("okoval@gmail.com")
    assert normalise_email("okoval+shop@gmail.com") == "okoval+shop@gmail.com"


@pytest.mark.parametrize("junk", [None, "", "not an address", "a@b", "two@@example.com", "a b@example.com"])
def test_a_malformed_email_is_none(junk: str | None) -> None:
    assert normalise_email(junk) is None
