"""What each kind of notification says, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

#: Notification kinds and their text; placeholders come from ``Notification.params``.
MESSAGES = {
    "request.matched": _l("A new buyer request matches your catalog: “%(title)s”."),
    "request.expired": _l("Your request “%(title)s” reached its deadline and no longer takes quotes."),
    "quote.new": _l("%(supplier)s quoted on “%(item)s” in your request “%(title)s”."),
    "quote.updated": _l("%(supplier)s updated its quote on “%(item)s” in your request “%(title)s”."),
    "quote.question": _l("The buyer asked about your quote on “%(item)s” (“%(title)s”)."),
    "quote.answer": _l("%(supplier)s answered about its quote on “%(item)s” (“%(title)s”)."),
    "quote.item_changed": _l(
        "The buyer changed “%(item)s” (“%(title)s”), which you quoted on. Check that your quote still fits."
    ),
    "quote.item_removed": _l(
        "The buyer removed “%(item)s” (“%(title)s”), which you quoted on. Your quote on it is withdrawn."
    ),
    "import.held": _l(
        "The price list “%(filename)s” would withdraw %(withdraw)s of your %(live)s offers, so it was not "
        "imported. Check it and confirm the import if that is what you meant."
    ),
    "alert.price": _l("“%(product)s” is now %(price)s."),
    "alert.stock": _l("“%(product)s” is back in stock, from %(price)s."),
    "alert.search": _l("New for your saved search “%(search)s”: “%(product)s” at %(price)s."),
    "alert.request": _l("A catalog offer fits your request “%(title)s”: “%(product)s” at %(price)s."),
    "quote.accepted": _l(
        "The buyer accepted your quote on “%(item)s” (“%(title)s”). Their contacts are on the request."
    ),
    "lead.new.order": _l("New lead: %(buyer)s sent you an order request (%(subject)s)."),
    "lead.overdue": _l("The next step on your lead “%(subject)s” is overdue: %(step)s"),
    "moderation.request.hidden": _l("An operator hid your request “%(title)s” from other people: %(reason)s"),
    "moderation.request.shown": _l("Your request “%(title)s” is shown again."),
    "moderation.shop.hidden": _l("An operator hid your shop “%(title)s” and its offers from buyers: %(reason)s"),
    "moderation.shop.shown": _l("Your shop “%(title)s” and its offers are shown again."),
    "moderation.offer.hidden": _l("An operator hid your offer “%(title)s” from buyers: %(reason)s"),
    "moderation.offer.shown": _l("Your offer “%(title)s” is shown again."),
}


def render(kind: str, params: Mapping[str, Any]) -> str:
    """Return the text of a notification of ``kind``; an unknown kind shows as itself."""
    message = MESSAGES.get(kind)
    if message is None:
        return kind
    try:
        return str(message) % dict(params)
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder must not break the page.
        return str(message)
