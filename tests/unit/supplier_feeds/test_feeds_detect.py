"""detect_format() recognises feeds by content, never by file name."""

import codecs
import zipfile
from io import BytesIO

import pytest

import supplier_feeds
from supplier_feeds import FeedError, detect_format
from supplier_feeds.detect import PARSERS, XML_ROOTS, parser_for


@pytest.mark.parametrize(
    "head",
    [
        b"<yml_catalog></yml_catalog>",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="2024-01-01">',
        codecs.BOM_UTF8 + b'  \n<?xml version="1.0"?><!-- exported --><yml_catalog>',
        b'<?xml version="1.0"?>\n<!DOCTYPE yml_catalog SYSTEM "shops.dtd">\n<yml_catalog>',
        b'<?xml version="1.0"?><!DOCTYPE yml_catalog [<!ENTITY a "]>">]><yml_catalog>',
        '<?xml version="1.0" encoding="windows-1251"?><yml_catalog><shop><name>Тест'.encode("cp1251"),
        '<?xml version="1.0" encoding="UTF-16"?><yml_catalog>'.encode("utf-16"),
    ],
)
def test_yml_is_recognised(head):
    assert detect_format(head) == "yml"


@pytest.mark.parametrize(
    "head",
    [
        b"sku;title;price\nA1;Pan;1\n",
        "Артикул;Назва;Ціна\r\nA1;Сковорода;1\r\n".encode("cp1251"),
        codecs.BOM_UTF8 + "sku,title,price\nA1,Сковорода,1\n".encode(),
        b"sku\ttitle\tprice\nA1\tPan\t1\n",
        # Cut off in the middle of a UTF-8 character, as a 64 KiB head may be.
        "sku;title;price\nA1;Сковорода;1\nA2;Сков".encode()[:-1],
    ],
)
def test_csv_is_recognised(head):
    assert detect_format(head) == "csv"


def _zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (_zip_bytes(), "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00", "xls"),  # Excel 97 (OLE2)
        (b'<?xml version="1.0"?><rss version="2.0"><channel>', "gmc_rss"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">', "gmc_atom"),
        (b'<?xml version="1.0"?><price date="2024"><firmName>X</firmName>', "hotline"),
        (b'\xef\xbb\xbf  {"shop": {"name": "X"}, "offers": [', "json"),
        (b"id\ttitle\tprice\tavailability\nA1\tPan\t1.00 USD\tin stock\n", "gmc_tsv"),
    ],
)
def test_every_format_is_recognised_from_content(head, expected):
    assert detect_format(head) == expected


@pytest.mark.parametrize(
    ("head", "words"),
    [
        (b"%PDF-1.7\n\x00\x01\x02", "price list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "price list"),
        (b"just a sentence without any columns\n", "price list"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "web page"),
        (b'<?xml version="1.0"?><catalog><item/></catalog>', "<catalog>"),
    ],
)
def test_unknown_content_is_refused_with_a_readable_message(head, words):
    with pytest.raises(FeedError) as info:
        detect_format(head)
    assert info.value.code == "unknown_format"
    assert words in info.value.message
    assert "\\x" not in info.value.message


def test_empty_head_is_an_empty_file():
    with pytest.raises(FeedError) as info:
        detect_format(b"  \n")
    assert info.value.code == "empty_file"


def test_registry_maps_every_detectable_format_to_a_parser():
    assert set(XML_ROOTS.values()) | {"csv"} <= set(PARSERS)
    assert parser_for("yml") is PARSERS["yml"]
    assert supplier_feeds.PARSERS is PARSERS
    with pytest.raises(FeedError):
        parser_for("pdf")


def test_file_name_is_irrelevant(tmp_path):
    misleading = tmp_path / "prices.csv"
    misleading.write_bytes(
        b'<?xml version="1.0"?><yml_catalog><shop><offers>'
        b'<offer id="1"><name>N</name><price>1</price></offer>'
        b"</offers></shop></yml_catalog>"
    )
    header = next(iter(supplier_feeds.parse_feed(misleading)))
    assert header.format == "yml"
