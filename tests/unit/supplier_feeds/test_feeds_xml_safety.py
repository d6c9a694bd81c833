"""Hostile XML must neither expand entities nor read local files.

The verdicts must not depend on the libxml2 that lxml bundles: 2.12 and 2.13 read a hostile
DOCTYPE and leave the refusal to us, 2.14 stops "billion laughs" itself. Each assertion names
the versions it ran on (they are in the report header too).
"""

from pathlib import Path

import pytest
from lxml import etree

from supplier_feeds import FeedError, FeedOffer, parse_feed
from tests.support.hostile_xml import BILLION_LAUGHS


def xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ <!ENTITY xxe SYSTEM "{target}"> ]>
<yml_catalog><shop><offers>
<offer id="1"><name>Leak &xxe;</name><description>&xxe;</description><price>1</price>
<currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>""".encode()


RAN_ON = f"lxml {'.'.join(map(str, etree.LXML_VERSION))} with libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}"


def verdict(data: bytes) -> FeedError:
    with pytest.raises(FeedError) as info:
        list(parse_feed(data))
    return info.value


def test_billion_laughs_is_refused_without_expanding():
    error = verdict(BILLION_LAUGHS)
    assert error.code == "unsafe_xml", f"{RAN_ON}: {error.message}"
    assert "DOCTYPE" in error.message and "export it again" not in error.message, RAN_ON
    assert "lol" not in error.message


@pytest.mark.parametrize(
    "declarations",
    [
        pytest.param('<!ENTITY a "&b;"> <!ENTITY b "&a;">', id="recursive"),
        pytest.param('<!ENTITY a "' + "x" * 200 + '"> <!ENTITY b "' + "&a;" * 200 + '">', id="quadratic"),
    ],
)
def test_other_entity_bombs_are_unsafe_whatever_libxml2_makes_of_them(declarations):
    data = f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ {declarations} ]>
<yml_catalog><shop><offers>
<offer id="1"><name>&b;</name><price>1</price><currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>""".encode()
    error = verdict(data)
    assert error.code == "unsafe_xml", f"{RAN_ON}: {error.message}"


def test_a_broken_doctype_without_entities_is_malformed_not_unsafe():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ <!ELEMENT yml_catalog ANY ]>
<yml_catalog><shop><offers></offers></shop></yml_catalog>"""
    error = verdict(data)
    assert error.code == "malformed_xml", f"{RAN_ON}: {error.message}"


def test_a_file_cut_short_is_malformed_not_unsafe():
    error = verdict(b'<?xml version="1.0"?>\n<yml_catalog><shop><offers><offer id="1"><name>Cut')
    assert error.code == "malformed_xml", f"{RAN_ON}: {error.message}"
    assert "export it again" in error.message


@pytest.mark.parametrize("target", ["file:///etc/passwd", "/etc/passwd", "http://127.0.0.1:1/secret"])
def test_external_entities_are_refused_and_never_read(target):
    produced = []
    with pytest.raises(FeedError) as info:
        produced.extend(parse_feed(xxe(target)))
    assert info.value.code == "unsafe_xml", f"{RAN_ON}: {info.value.message}"
    assert not any(isinstance(item, FeedOffer) for item in produced)
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first_line = passwd.read_text().splitlines()[0]
        assert first_line not in repr(produced) + info.value.message


def test_parameter_entities_are_refused():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog [ <!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext; ]>
<yml_catalog><shop><offers></offers></shop></yml_catalog>"""
    with pytest.raises(FeedError) as info:
        list(parse_feed(data))
    assert info.value.code == "unsafe_xml", f"{RAN_ON}: {info.value.message}"


def test_external_dtd_reference_is_not_fetched(tmp_path):
    # A DTD that would define &secret; if it were loaded from disk.
    dtd = tmp_path / "shops.dtd"
    dtd.write_text('<!ENTITY secret "TOP-SECRET">')
    data = f"""<?xml version="1.0"?>
<!DOCTYPE yml_catalog SYSTEM "{dtd.as_uri()}">
<yml_catalog><shop><offers>
<offer id="1"><name>Name &secret;</name><price>1</price><currencyId>UAH</currencyId></offer>
</offers></shop></yml_catalog>""".encode()
    produced = list(parse_feed(data))
    (offer,) = [item for item in produced if isinstance(item, FeedOffer)]
    assert offer.title == "Name &secret;"  # left unexpanded, as written
    assert "TOP-SECRET" not in repr(produced)


def test_an_html_entity_names_itself_its_line_and_the_fix():
    # libxml2's last word was "no element found" at line 0; the cause is in its error log.
    body = b'<offer id="1"><name>A</name><price>1</price></offer>\n<offer id="2"><name>A&nbsp;B</name>'
    with pytest.raises(FeedError) as info:
        list(
            parse_feed(
                b'<?xml version="1.0"?>\n<yml_catalog><shop><offers>\n'
                + body
                + b"<price>1</price></offer></offers></shop></yml_catalog>"
            )
        )
    assert info.value.code == "malformed_xml"
    message = info.value.message
    assert "&nbsp;" in message and "line 4" in message
    assert "&#160;" in message and "CDATA" in message
