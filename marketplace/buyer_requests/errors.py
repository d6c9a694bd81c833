"""The errors of buyer requests: a broken rule, a missing request, a forbidden act."""

from __future__ import annotations

from flask_babel import LazyString

from marketplace.domain_errors import DomainError


class RequestError(DomainError):
    """A request rule was broken; ``str()`` is the message, in the reader's language.

    ``field`` names the input at fault (``"title"``, ``"quantity"``, ``"price"``...) and
    ``item`` the 0-based position of the item it belongs to, so that a form can show the
    message next to the right input.
    """

    def __init__(self, message: LazyString | str, *, field: str | None = None, item: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.item = item


class RequestNotFound(RequestError):
    """No request (or item, or quote) has that id, or the viewer may not see it."""


class PermissionDenied(RequestError):
    """The user may not do this to this request."""
