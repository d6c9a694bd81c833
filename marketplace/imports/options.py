"""How an import is asked to run: its mode and options, and the sizes every stage shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marketplace.suppliers.models import Supplier

#: Offers read, compared and written per batch: one SELECT, one INSERT, one UPDATE each.
BATCH_SIZE = 1000
#: A price moving by at least this many percent is listed in the diff.
DEFAULT_PRICE_MOVE_PERCENT = Decimal(20)
#: The share of a supplier's live offers (in percent) a full import may withdraw unasked (``withdraw``).
DEFAULT_WITHDRAW_GUARD_PERCENT = Decimal(50)
#: Prices at or above this are absurd (and would overflow ``Numeric(14, 2)``).
MAX_PRICE = Decimal("1e12")
#: From this size on a file is parsed in a child process while the import writes its rows,
#: so the two share the machine's cores. Starting the child and passing the rows across
#: costs a few tenths of a second, which smaller files (a parse of under a second) would
#: not win back.
PARSE_IN_CHILD_FROM = 4_000_000

ProgressCallback = Callable[[int], None]


class ImportMode:
    """How a price list is applied."""

    #: The feed says: a partial feed (``FeedHeader.partial`` or update rows) updates, else replaces.
    AUTO = "auto"
    FULL = "full"
    PARTIAL = "partial"
    #: Offers a program sends (the supplier API's batches): full rows that create or update the
    #: offers they name and never withdraw the others. Not a choice for files or feed URLs.
    UPSERT = "upsert"
    ALL = (AUTO, FULL, PARTIAL)
    #: The modes that leave the offers a price list does not name alone.
    KEEP_UNNAMED = (PARTIAL, UPSERT)


@dataclass(frozen=True)
class ImportOptions:
    """What the supplier asked of one import."""

    mode: str = ImportMode.AUTO
    dry_run: bool = False
    #: Column mapping for CSV/Excel: header name or ``"#<index>"`` -> ``FeedOffer`` field.
    mapping: Mapping[str, str] | None = None
    #: Price moves of at least this many percent are listed in the diff.
    price_move_percent: Decimal = DEFAULT_PRICE_MOVE_PERCENT
    #: Files from this size on are parsed in a process of their own (see ``parse.parse``).
    parse_in_child_from: int = PARSE_IN_CHILD_FROM
    #: A full import that would withdraw more than this percent of the live offers is held
    #: for confirmation (``withdraw_guard``); ``None`` turns the guard off.
    withdraw_guard_percent: Decimal | None = DEFAULT_WITHDRAW_GUARD_PERCENT
    #: The supplier confirmed the withdrawal: the guard lets it through.
    confirm_withdraw: bool = False
    #: The supplier's price type (name or Ид) in a CommerceML 2 exchange with several; None: the
    #: one the supplier chose before (``Supplier.price_type``), else the only or the retail one.
    price_type: str | None = None

    @property
    def withdraw_guard(self) -> Decimal | None:
        """Return the guard's threshold for this import: none for dry runs and confirmed imports."""
        return None if self.dry_run or self.confirm_withdraw else self.withdraw_guard_percent


#: The longest price type name kept (``Supplier.price_type``).
MAX_PRICE_TYPE = 255


def choose_price_type(supplier: Supplier, price_type: str | None) -> str | None:
    """Remember the CommerceML price type the supplier says is theirs; blank keeps the one chosen before.

    The choice holds for the supplier's later uploads and feed fetches; return the one in force.
    """
    chosen = " ".join((price_type or "").split())[:MAX_PRICE_TYPE]
    if chosen:
        supplier.price_type = chosen
    return supplier.price_type
