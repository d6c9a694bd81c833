"""Customer records to and from CSV: the operator's export of a filtered list, and an import that reports bad rows.

The export goes through ``marketplace.exports`` (names and companies are typed by visitors,
so a "=..." one must stay text). The import reads the export's own columns, in any order,
with a comma, semicolon or tab between them, in UTF-8 or Windows-1251. A row whose e-mail
(or, without one, phone) is a live record's fills that record's empty fields and changes no
field that holds a value; any other row makes a record. A bad row is reported with its line,
the reason and its text, and changes nothing, so no row is lost without a word.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.crm.customers import CustomerFilter, filtered, live
from marketplace.crm.models import Customer, CustomerKind
from marketplace.crm.normalise import normalise_email, normalise_phone
from marketplace.exports import CSV_MIMETYPE, FORMULA_PREFIXES, csv_writer

#: CSV_MIMETYPE is handed on, so the page that serves the file needs no helper of its own.
__all__ = ["CSV_MIMETYPE", "ImportFileError", "ImportReport", "RowError", "customers_csv", "import_customers"]

#: The columns of the export, and those the import reads (``id``, ``last_seen_at`` and the scoring pass's
#: tier, RFM, value and cost are ours: not read).
COLUMNS = (
    "id",
    "kind",
    "name",
    "email",
    "phone",
    "company",
    "tax_id",
    "address",
    "b2b",
    "language",
    "last_seen_at",
    "tier",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "value",
    "cost",
    "currency",
)
IMPORTED = ("kind", "name", "email", "phone", "company", "tax_id", "address", "b2b", "language")
LANGUAGES = ("en", "uk", "ru")
_YES = {"1", "yes", "true", "y", "так", "да", "b2b"}
_NO = {"0", "no", "false", "n", "ні", "нет", "b2c", ""}
#: Rows an import reads at most; a longer file is refused whole.
MAX_ROWS = 50_000
_LIMITS = {"name": 255, "company": 255, "tax_id": 40, "address": 500}


def customers_csv(session: Session, filters: CustomerFilter | None = None) -> bytes:
    """Return the live records matching ``filters`` as CSV (UTF-8 with a BOM, for spreadsheets)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    for customer in session.scalars(filtered(filters or CustomerFilter()).execution_options(yield_per=1000)):
        writer.writerow(
            [
                customer.id,
                str(customer.kind),
                customer.name,
                customer.email or "",
                customer.phone or "",
                customer.company or "",
                customer.tax_id or "",
                customer.address or "",
                "yes" if customer.b2b else "no",
                customer.language or "",
                customer.last_seen_at.isoformat() if customer.last_seen_at else "",
                customer.tier or "",
                *("" if score is None else score for score in (customer.rfm_r, customer.rfm_f, customer.rfm_m)),
                "" if customer.value is None else customer.value,
                "" if customer.cost is None else customer.cost,
                customer.value_currency or "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class RowError:
    """A row the import did not take: its line in the file, why, and its text."""

    line: int
    reason: LazyString | str
    text: str


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is for the operator."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _cell(value: str | None) -> str:
    text = (value or "").strip()
    # Our own export quotes a formula-like cell: take it back as it was written.
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _parse(row: dict[str, str]) -> tuple[dict[str, object], LazyString | None]:
    values = {name: _cell(row.get(name)) for name in IMPORTED}
    parsed: dict[str, object] = {}
    if not (values["name"] or values["email"] or values["phone"]):
        return parsed, _l("The row has no name, e-mail or phone.")
    if values["email"]:
        email = normalise_email(values["email"])
        if email is None:
            return parsed, _l("“%(value)s” is not an e-mail address.", value=values["email"])
        parsed["email"] = email
    if values["phone"]:
        phone = normalise_phone(values["phone"])
        if phone is None:
            return parsed, _l("“%(value)s” is not a phone number.", value=values["phone"])
        parsed["phone"] = phone
    kind = values["kind"].lower() or CustomerKind.BUYER
    if kind not in {k.value for k in CustomerKind}:
        return parsed, _l("The kind must be “buyer” or “supplier”, not “%(value)s”.", value=values["kind"])
    parsed["kind"] = CustomerKind(kind)
    b2b = values["b2b"].lower()
    if b2b not in _YES | _NO:
        return parsed, _l("B2B must be “yes” or “no”, not “%(value)s”.", value=values["b2b"])
    parsed["b2b"] = b2b in _YES or bool(values["company"] or values["tax_id"])
    if values["language"] and values["language"].lower() not in LANGUAGES:
        return parsed, _l("The language must be en, uk or ru, not “%(value)s”.", value=values["language"])
    parsed["language"] = values["language"].lower() or None
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit:
            return parsed, _l("The %(column)s is longer than %(limit)s characters.", column=name, limit=limit)
        parsed[name] = values[name] or None
    return parsed, None


def _existing(session: Session, parsed: dict[str, object]) -> Customer | None:
    for name, column in (("email", Customer.email), ("phone", Customer.phone)):
        if parsed.get(name):
            return session.scalar(select(Customer).where(live(), column == parsed[name]).order_by(Customer.id).limit(1))
    return None


def import_customers(session: Session, data: bytes) -> ImportReport:
    """Read customer records from CSV ``data`` into the database; return what was done and every bad row."""
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not set(header) & {"name", "email", "phone"}:
        raise ImportFileError(
            _l("The file needs a first line naming its columns, with name, email or phone among them.")
        )
    reader.fieldnames = header
    report = ImportReport()
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ImportFileError(_l("The file has more than %(count)s rows; split it.", count=MAX_ROWS))
        raw = delimiter.join(value or "" for value in row.values() if isinstance(value, str))
        if not raw.strip(delimiter + " "):
            continue  # an empty line
        parsed, error = _parse(row)
        if error is not None:
            report.errors.append(RowError(reader.line_num, error, raw))
            continue
        customer = _existing(session, parsed)
        if customer is None:
            session.add(
                Customer(name=str(parsed.get("name") or ""), **{k: v for k, v in parsed.items() if k != "name"})
            )
            report.created += 1
            continue
        changed = False
        for name, value in parsed.items():
            if value and not getattr(customer, name):
                setattr(customer, name, value)
                changed = True
        report.updated += changed
        report.unchanged += not changed
    session.flush()
    return report
