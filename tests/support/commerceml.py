"""The CommerceML 2 fixtures (tests/fixtures/commerceml), as the bytes an import reads."""

from __future__ import annotations

from pathlib import Path

from supplier_feeds.commerceml import pack_exchange
from tests.support.paths import FIXTURES

#: import.xml and offers.xml in UTF-8, schema 2.05: two price types, one of them retail.
UTF8_205 = FIXTURES / "commerceml" / "utf8-2.05"
#: import.xml and offers.xml in windows-1251, schema 2.03: two price types, none of them retail.
CP1251_203 = FIXTURES / "commerceml" / "cp1251-2.03"
#: The zip a 1C-Bitrix exchange makes, schema 2.10, with a picture under import_files/.
BITRIX_210_ZIP = FIXTURES / "commerceml" / "bitrix-2.10.zip"
#: What that zip holds, readable.
BITRIX_210 = FIXTURES / "commerceml" / "bitrix-2.10"


def pair(folder: Path) -> bytes:
    """Return the import.xml and offers.xml of ``folder`` packed as one exchange zip."""
    return pack_exchange((name, (folder / name).read_bytes()) for name in ("import.xml", "offers.xml"))
