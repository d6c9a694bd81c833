"""What an import's problems and outcome say to a supplier, in the supplier's language.

``supplier_feeds`` is a pure library: its problems carry a stable code and an English sentence,
which the report stores as they are. They are shown through this module: each code has a
translated sentence here, built from the problem's own value, and a file-level error (a
``FeedError``) is named by its code in the report's counts. The English sentence the library
wrote stays available as the technical detail (a parser's own error text, a line number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from marketplace.imports.columns import PREVIEW_FAILED
from marketplace.imports.jobs import HELD_STATUS, INTERRUPTED_MESSAGE, MISSING_UPLOAD_MESSAGE
from marketplace.imports.lock import BUSY_MESSAGE
from marketplace.imports.run import INTERNAL_ERROR_MESSAGE
from marketplace.imports.validate import MAX_SKU, MAX_URL_LENGTH
from supplier_feeds.offers import MAX_TITLE

#: A sentence per problem code; ``%(value)s`` is the problem's value, ``%(max)s`` the limit it broke.
#: A code that means something else as a warning than as an error has a ``code:warning`` entry too.
PROBLEM_MESSAGES: dict[str, LazyString] = {
    # rows skipped (errors)
    "missing_sku": _l("The offer has no id, so it cannot be matched on the next import."),
    "invalid_sku": _l("The offer id must have 1 to %(max)s characters."),
    "duplicate_sku": _l("The id “%(value)s” appears more than once; only the first row with this id was used."),
    "missing_title": _l("The offer has no name."),
    "missing_price": _l("The offer has no price."),
    "invalid_price": _l("The price “%(value)s” cannot be used: it must be a number above 0 and below 10¹²."),
    "zero_price": _l(
        "The price is 0 (“price on request”). The offer is not shown, because buyers compare prices; "
        "give it a price to publish it."
    ),
    "zero_price:warning": _l(
        "The price is 0 (“price on request”). The offer is hidden from buyers, who compare prices, until an "
        "update or your full price list gives it a price again; its stock was updated."
    ),
    "empty_update": _l("The update names the offer but gives no price, availability or stock."),
    "unknown_currency": _l(
        "No exchange rate is known for %(value)s, so the offers priced in it were skipped. Add the rate to "
        "the feed's <currencies> block (or currency_rates in JSON), or ask the operator to configure it."
    ),
    "url_too_long": _l(
        "The link is longer than %(max)s characters. Shorten it (drop tracking parameters) to publish the offer."
    ),
    "foreign_url": _l(
        "The link leads to a site that is not your store's. Buyers are only sent to your own store; "
        "fix the link to publish the offer."
    ),
    "cell_too_long": _l(
        "A cell of this row is far longer than a cell may be (often a quote left open that swallowed the "
        "following lines); the row was skipped."
    ),
    "invalid_offer": _l("This offer is not a JSON object; it was skipped."),
    # rows kept, with a warning
    "title_truncated": _l("The name is longer than %(max)s characters and was shortened."),
    "value_truncated": _l("The value is longer than this field takes and was shortened."),
    "formula_stripped": _l("The value started with a sign that spreadsheets run as a formula; the sign was removed."),
    "invalid_sale_price": _l(
        "The sale price “%(value)s” was ignored: it is not a price, or not lower than the regular price."
    ),
    "invalid_old_price": _l("The old price “%(value)s” is not a price and was ignored."),
    "invalid_currency": _l("“%(value)s” is not a currency code; the feed's currency was assumed."),
    "missing_currency": _l("The offer names no currency; the feed's currency was assumed."),
    "currency_assumed": _l("The file names no currency, as Epicentr feeds do not; its prices were read as %(value)s."),
    "invalid_availability": _l("“%(value)s” does not say whether the item is in stock, so it was not used."),
    "invalid_stock": _l("The stock quantity “%(value)s” is not a whole number and was ignored."),
    "invalid_gtin": _l(
        "The barcode “%(value)s” is not a valid EAN/UPC/GTIN (8 to 14 digits with a correct check digit) "
        "and was ignored."
    ),
    "invalid_url": _l("The offer's link is not an http(s) address and was ignored."),
    "invalid_delivery_cost": _l("The delivery cost “%(value)s” is not a price and was ignored."),
    "invalid_category": _l("A category has no id or no name and was ignored."),
    "missing_url": _l(
        "Offers without an http(s) link to their page in your store send buyers to your store's home page "
        "(the first is listed). Add the links to send buyers to each offer."
    ),
    "unknown_sku": _l(
        "The update names an offer that is not in your catalog; it was ignored. "
        "Upload your full price list to add new offers."
    ),
    "withdrawn_sku": _l(
        "The update names an offer that is withdrawn (it was missing from your last full price list, or had "
        "price 0). Its price and stock were updated, but it stays hidden; upload your full price list to show it "
        "again."
    ),
    "schema_version": _l(
        "The file says it follows CommerceML %(value)s; we read versions 2.03 to 2.10 and read it as the nearest "
        "of them. Check the imported offers."
    ),
    "relative_pictures": _l(
        "Pictures of your products (such as %(value)s) are files inside the exchange, not web addresses, so they "
        "were not published. Give the pictures web addresses (http:// or https://) in 1C or on your site."
    ),
    "suspicious_rate": _l(
        "The feed's exchange rate for %(value)s is far from the one we use; prices were converted with the "
        "feed's rate. Check <currencies> in the feed."
    ),
    "encoding_mismatch": _l(
        "The file declares the encoding %(value)s, but its text is UTF-8; it was read as UTF-8. "
        'Write encoding="UTF-8" in its first line.'
    ),
    "sheet_skipped": _l("The sheet “%(value)s” was skipped: it holds no price list we could read."),
    "columns_guessed": _l(
        "The file has no header row; we guessed its columns. Check them or map the columns yourself."
    ),
    "derived_sku": _l(
        "The price list has no column of offer ids, so each offer is known by its name and characteristic. "
        "Renaming a product makes it a new offer (the old one is withdrawn)."
    ),
    "duplicate_name": _l(
        "Another row has the same name and characteristic (“%(value)s”). Without an id column they tell the "
        "offers apart, so only the first such row was used."
    ),
    "price_on_request": _l(
        "Rows that give the price on request (such as “Call”) instead of a number: %(value)s. They were not "
        "published, because buyers compare prices; give them a price to publish them."
    ),
}

#: A sentence per code of a file that could not be imported at all (``FeedError``).
FILE_ERROR_MESSAGES: dict[str, LazyString] = {
    "empty_file": _l("The file is empty."),
    "unknown_format": _l(
        "We cannot read this file as a price list. Upload a YML, Hotline or Google Merchant XML file, "
        "a CSV, Excel or JSON file."
    ),
    "malformed_xml": _l("The XML is broken; the file may be cut short or hand-edited. Export it again."),
    "malformed_zip": _l("The zip archive is damaged; export it from 1C again."),
    "unsafe_zip": _l("A file in the zip unpacks to far more than an exchange file holds; we refused it."),
    "commerceml_catalog_only": _l(
        "This is the catalog half of a CommerceML exchange (import.xml): it has products but no prices. "
        "Import it together with offers.xml (both files, or the zip that 1C makes)."
    ),
    "malformed_json": _l("The JSON is broken or cut short. Export it again."),
    "malformed_csv": _l("The CSV is broken. Export it again."),
    "malformed_workbook": _l(
        "The file is not a valid Excel workbook; it may be cut short or saved in another format. Save it again."
    ),
    "encoding_mismatch": _l(
        "Part of the file is UTF-8 text read in another encoding: the file mixes two encodings or was converted "
        "twice. Save it as UTF-8 and upload it again."
    ),
    "bad_encoding": _l("The file is not in the encoding it declares. Save it as UTF-8 and upload it again."),
    "unsafe_xml": _l(
        "The file declares XML entities in its DOCTYPE, which we refuse for safety. Remove the DOCTYPE block."
    ),
    "unsafe_workbook": _l("The workbook is built in a way we refuse for safety. Save it again or export it as CSV."),
    "file_too_large": _l("The file is larger than we accept. Split it or register it as a feed address."),
    "missing_header": _l(
        "The first row looks like data, not column names, and we could not tell the columns apart. "
        "Add a header row such as “sku;title;price” or map the columns yourself."
    ),
    "missing_columns": _l("Required columns are missing. Map the columns, or name them in the header row."),
    "invalid_mapping": _l("The column mapping names a field a column cannot be mapped to. Map the columns again."),
    "not_a_table": _l("Only CSV and Excel files have columns to map; this feed needs no mapping."),
    "no_offers": _l("The file has no offers."),
    "no_valid_offers": _l(
        "The file has no offer that could be imported; your catalog was left as it was. "
        "See the rows below for the reasons."
    ),
    "unknown_currency": _l(
        "No exchange rate is known for some of the file's currencies, so the offers priced in them were skipped. "
        "Add the rates to the feed's <currencies> block (or currency_rates in JSON), or ask the operator."
    ),
    "partial_feed_as_full": _l(
        "This file is a partial feed: it only updates prices and stock, so it cannot replace your catalog. "
        "Import it as a partial update."
    ),
    "fetch_bad_url": _l("The feed address must start with http:// or https:// and name a host."),
    "fetch_dns_failed": _l("The feed's host could not be found."),
    "fetch_refused_address": _l(
        "The feed's host points at a private or local network address; feeds must be on the public internet."
    ),
    "fetch_connection_failed": _l("The feed's server could not be reached, or the download broke off."),
    "fetch_timeout": _l("The feed's server did not answer in time, or the download took too long."),
    "fetch_http_error": _l("The feed's server answered with an error."),
    "fetch_too_many_redirects": _l("The feed address redirects too many times."),
    "fetch_too_large": _l("The feed is larger than we accept; the download was stopped."),
}

#: Whole sentences stored in English on a run or a feed (``ImportRun.error``, ``FeedSource.last_status``).
STORED_MESSAGES: dict[str, LazyString] = {
    BUSY_MESSAGE: _l(
        "Another import of your price list was running, so this one changed nothing (one import at a time keeps "
        "your catalog consistent). Upload the file again once the other import has finished."
    ),
    INTERRUPTED_MESSAGE: _l(
        "The import was interrupted before it finished (the worker stopped). Nothing was published: "
        "buyers still see your previous catalog. Upload the file again or wait for the next scheduled fetch."
    ),
    INTERNAL_ERROR_MESSAGE: _l(
        "The import stopped on an error on our side; nothing was changed and the operator was told. Try again later."
    ),
    MISSING_UPLOAD_MESSAGE: _l("The uploaded file is no longer on the server; upload it again."),
    HELD_STATUS: _l("Held: it would withdraw most of your offers; confirm it on the import's page."),
    "Imported.": _l("Imported."),
    "Not modified since the last fetch.": _l("Not modified since the last fetch."),
}

#: Stored sentences with a detail of their own in them: the English pattern, and the translation.
_STORED_PATTERNS: list[tuple[re.Pattern[str], LazyString]] = [
    (
        re.compile(re.escape(PREVIEW_FAILED).replace(re.escape("{reason}"), "(?P<reason>.*)"), re.S),
        _l(
            "We could not read the first rows of this file within the limits of an import (%(reason)s). "
            "Nothing was imported. Save it again as a smaller CSV or Excel file, or split it, and upload it again."
        ),
    ),
]

_LIMITS = {"invalid_sku": MAX_SKU, "url_too_long": MAX_URL_LENGTH, "title_truncated": MAX_TITLE}


def problem_text(problem: Mapping[str, Any]) -> str:
    """Return what a listed problem of a report (``ImportReport.problems``) says, in the reader's language.

    A code this module does not know shows the sentence stored with it.
    """
    code = str(problem.get("code") or "")
    message = PROBLEM_MESSAGES.get(f"{code}:{problem.get('severity')}") or PROBLEM_MESSAGES.get(code)
    if message is None:
        return str(problem.get("message") or code)
    value, limit = problem.get("value"), _LIMITS.get(code)
    return _fill(message, {"value": "" if value is None else value, "max": "" if limit is None else limit})


def run_error_text(error: str | None, counts: Mapping[str, Any] | None = None) -> str:
    """Return a failed run's error in the reader's language; ``counts`` (the report's) name its code.

    An error this module cannot name shows as it was stored.
    """
    if not error:
        return ""
    if error in STORED_MESSAGES:
        return str(STORED_MESSAGES[error])
    for pattern, message in _STORED_PATTERNS:
        if found := pattern.fullmatch(error):
            return _fill(message, found.groupdict())
    codes = [code for code in counts or () if code in FILE_ERROR_MESSAGES]
    # A row's code that also ends the file (unknown_currency) names the error only when no other does.
    codes.sort(key=lambda code: code in PROBLEM_MESSAGES)
    return str(FILE_ERROR_MESSAGES[codes[0]]) if codes else error


def stored_text(text: str | None) -> str:
    """Return a feed's or run's stored English sentence in the reader's language, when it is one of ours."""
    if not text:
        return ""
    message = STORED_MESSAGES.get(text)
    return str(message) if message is not None else text


def _fill(message: LazyString, params: Mapping[str, object]) -> str:
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder must not break the page.
        return str(message)
