"""What the account mails say; rendered in the language of the request that sent them."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

#: Mail kinds: (subject, body). The link to follow is added below the body when the mail is sent.
MAILS = {
    "verify": (
        _l("TradeRow: confirm your email address"),
        _l(
            "Hello %(name)s,\n\nplease confirm that this address is yours by opening the link below. "
            "It works for 7 days.\n\nIf you did not register on TradeRow, ignore this mail."
        ),
    ),
    "register_taken": (
        _l("TradeRow: someone tried to register with your address"),
        _l(
            "Hello %(name)s,\n\nsomeone tried to create a TradeRow account with this address, which already "
            "has one. If it was you, log in instead; if you forgot your password, reset it with the link "
            "below.\n\nIf it was not you, you need do nothing: your account is unchanged."
        ),
    ),
    "reset": (
        _l("TradeRow: reset your password"),
        _l(
            "Hello %(name)s,\n\nsomeone (we hope you) asked to reset the password of your TradeRow account. "
            "Open the link below within an hour to choose a new one; it works once.\n\n"
            "If you did not ask, ignore this mail: your password stays as it is."
        ),
    ),
    "password_changed": (
        _l("TradeRow: your password was changed"),
        _l(
            "Hello %(name)s,\n\nthe password of your TradeRow account was just changed, and every other "
            "session was logged out. If it was not you, reset your password with the link below at once."
        ),
    ),
}


def render_mail(kind: str, locale: str, **params: str) -> tuple[str, str]:
    """Return the subject and body of the account mail ``kind`` in ``locale``."""
    subject, body = MAILS[kind]
    with force_locale(locale):
        return str(subject), str(body) % params
