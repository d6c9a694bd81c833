"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from babel.numbers import format_currency, format_decimal
from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from marketplace.taxonomy.names import collation_key
from marketplace.urls import link_args

#: One pattern for every locale: the amount, then the currency ("1,899.00 UAH", "1 899,00 грн");
#: English's own pattern glues the code to the digits ("UAH1,899.00").
MONEY_PATTERN = "#,##0.00\u00a0¤"


def format_money(amount: Decimal | None, currency: str) -> str:
    """Return ``amount`` formatted for the visitor's locale, e.g. ``1 299,00 ₴``."""
    if amount is None:
        return "—"
    return format_currency(amount, currency, format=MONEY_PATTERN, locale=str(get_locale() or "en"))


def format_number(value: Any) -> Any:
    """Return a table cell's number as the visitor's locale writes it ("2 548,00", "1,234"); anything else as is.

    Amounts (``Decimal``) keep their two decimals, shares (``float``) one at most.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    pattern = "#,##0.00" if isinstance(value, Decimal) else "#,##0.#"
    return format_decimal(value, format=pattern, locale=current_locale())


def gtin_display(gtin: str | None) -> str:
    """Return a GTIN as buyers see it on the pack: a 14-digit key with leading zeros as EAN-13."""
    if not gtin:
        return ""
    return gtin[1:] if len(gtin) == 14 and gtin.startswith("0") else gtin


def current_locale() -> str:
    """Return the language code the page is rendered in."""
    return str(get_locale() or "en")


class _Named(Protocol):
    def name_in(self, locale: str | None) -> str: ...

    def path_in(self, locale: str | None) -> str: ...


_N = TypeVar("_N", bound=_Named)


def category_name(category: _Named) -> str:
    """Return a category's name in the page's language (English where Google's edition has none)."""
    return category.name_in(current_locale())


def category_path(category: _Named) -> str:
    """Return a category's path ("A > B > C") in the page's language, each level falling back to English."""
    return category.path_in(current_locale())


def sort_categories(categories: Iterable[_N], by: str = "name") -> list[_N]:
    """Return categories in the page language's alphabetical order of their names (or ``by="path"``)."""
    locale = current_locale()
    if by == "path":
        return sorted(categories, key=lambda c: collation_key(c.path_in(locale), locale))
    return sorted(categories, key=lambda c: collation_key(c.name_in(locale), locale))


def url_with(**changes: Any) -> str:
    """Return this page's URL with query arguments replaced (``None`` removes one)."""
    args = link_args(request.args)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    if request.endpoint is None:  # an error page for an unknown URL
        return url_for("catalog.home", **args)
    # The route's own values win over query arguments of the same name.
    return url_for(request.endpoint, **{**args, **(request.view_args or {})})


#: Labels for the states of an import run, as suppliers read them.
IMPORT_STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Importing"),
    "succeeded": _l("Imported"),
    "failed": _l("Failed"),
    "held": _l("Waiting for your confirmation"),
}
SEVERITY_LABELS = {"error": _l("Error"), "warning": _l("Warning")}


def init_app(app: Flask) -> None:
    """Register the helpers with Jinja."""
    app.jinja_env.globals.update(
        format_money=format_money,
        current_locale=current_locale,
        url_with=url_with,
        category_name=category_name,
        category_path=category_path,
        import_status_labels=IMPORT_STATUS_LABELS,
        severity_labels=SEVERITY_LABELS,
    )
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["gtin"] = gtin_display
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["category_name"] = category_name
    app.jinja_env.filters["category_path"] = category_path
    app.jinja_env.filters["sort_categories"] = sort_categories
