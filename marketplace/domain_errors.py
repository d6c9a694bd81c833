"""How a broken domain rule reaches a person: one exception base, with a lazily translated message.

Services raise a subclass of :class:`DomainError` with a ``lazy_gettext`` text. The text is
rendered only when it is shown (``str(exc)``): in the request's language on a page or in an
API answer, in English at the CLI. Views flash it or put it on a form field, API handlers put
it in the JSON body, CLI commands wrap it in ``click.ClickException``; none of them translates
again, and no service formats English text into a message a uk or ru page would show as it is.
"""

from __future__ import annotations

from flask_babel import LazyString


class DomainError(Exception):
    """A domain rule was broken; ``str()`` is the reason, in the reader's language.

    ``message`` is a :class:`~flask_babel.LazyString` from ``lazy_gettext`` (its
    ``%(name)s`` arguments given there), or, for text that is data rather than prose (a
    host name, a file's own error), a plain ``str``.
    """

    def __init__(self, message: LazyString | str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
